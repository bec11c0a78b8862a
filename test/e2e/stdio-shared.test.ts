// Runs the shared end-to-end cases through the built CLI over stdio (the HTTP twin is test/http/http-shared.test.ts).
import { connectCli } from '../helpers/mcp-client.js';
import { defineSharedCases } from './shared-cases.js';

defineSharedCases('stdio', (args) => connectCli(args));

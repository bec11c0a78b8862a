// Runs the shared end-to-end cases through the built CLI over Streamable HTTP, as over stdio.
import { defineSharedCases } from '../e2e/shared-cases.js';
import { connectHttp, startHttpCli } from '../helpers/mcp-client.js';

const TOKEN = 'shared-cases-token-0123456789';

defineSharedCases('http', async (args) => {
  const cli = await startHttpCli(args, { TENANT_MCP_HTTP_TOKEN: TOKEN });
  const connected = await connectHttp(cli.url, TOKEN, { stderr: cli.stderr });
  return {
    ...connected,
    async close() {
      await connected.close();
      await cli.stop();
    },
  };
});

defineSharedCases('http --stateless', async (args) => {
  const cli = await startHttpCli(['--stateless', ...args], { TENANT_MCP_HTTP_TOKEN: TOKEN });
  const connected = await connectHttp(cli.url, TOKEN, { stderr: cli.stderr });
  return {
    ...connected,
    async close() {
      await connected.close();
      await cli.stop();
    },
  };
});

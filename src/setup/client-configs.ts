/**
 * MCP client configuration files: where each client keeps its servers on each OS, the entry it expects,
 * and an edit that adds or replaces one entry. The edit goes through jsonc-parser, which changes only
 * the text of that entry, so every other server, the comments VS Code allows and the file's formatting
 * stay byte for byte; the previous file is kept beside it as a backup.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  applyEdits,
  modify,
  type ParseError,
  parse,
  printParseErrorCode,
} from 'jsonc-parser/lib/esm/main.js';

/** The clients init can configure. */
export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode'] as const;

/** A client init can configure. */
export type ClientName = (typeof CLIENTS)[number];

/** `user`: every project of that person; `project`: a file in the project, shared with its team. */
export type ConfigScope = 'user' | 'project';

/** Display names. */
export const CLIENT_LABELS: Readonly<Record<ClientName, string>> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
};

/** One file an entry goes into. */
export interface ConfigTarget {
  /** The client. */
  client: ClientName;
  /** Its scope. */
  scope: ConfigScope;
  /** Absolute path of the file. */
  path: string;
  /** The key that holds the servers: `mcpServers`, or `servers` for VS Code. */
  rootKey: 'mcpServers' | 'servers';
  /** `Claude Code (user)`, for messages. */
  label: string;
}

/** Where paths are computed from (tests pass a temporary home). */
export interface ConfigPlace {
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** The home directory. */
  home: string;
  /** Environment (`APPDATA`, `XDG_CONFIG_HOME`, `CLAUDE_CONFIG_DIR`). */
  env: NodeJS.ProcessEnv;
  /** The project directory, for project scope. */
  projectDir: string;
}

/** A configuration error naming what to change. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

function userConfigDir(place: ConfigPlace): string {
  if (place.platform === 'darwin') return join(place.home, 'Library', 'Application Support');
  if (place.platform === 'win32') return place.env.APPDATA || join(place.home, 'AppData', 'Roaming');
  return place.env.XDG_CONFIG_HOME || join(place.home, '.config');
}

/** The file `client` keeps its servers in, in `scope`, on this OS. */
export function configTarget(client: ClientName, scope: ConfigScope, place: ConfigPlace): ConfigTarget {
  const label = `${CLIENT_LABELS[client]} (${scope})`;
  const at = (path: string, rootKey: ConfigTarget['rootKey'] = 'mcpServers') => ({
    client,
    scope,
    path,
    rootKey,
    label,
  });
  switch (client) {
    case 'claude-desktop':
      if (scope === 'project')
        throw new ClientConfigError('Claude Desktop has no project configuration: use --scope user for it.');
      // Linux has no official Claude Desktop; community builds read the same file under ~/.config.
      return at(join(userConfigDir(place), 'Claude', 'claude_desktop_config.json'));
    case 'claude-code':
      return scope === 'user'
        ? at(join(place.env.CLAUDE_CONFIG_DIR || place.home, '.claude.json'))
        : at(join(place.projectDir, '.mcp.json'));
    case 'cursor':
      return at(join(scope === 'user' ? place.home : place.projectDir, '.cursor', 'mcp.json'));
    case 'vscode':
      return scope === 'user'
        ? at(join(userConfigDir(place), 'Code', 'User', 'mcp.json'), 'servers')
        : at(join(place.projectDir, '.vscode', 'mcp.json'), 'servers');
  }
}

/** How a client starts the server. */
export interface ServerLaunch {
  /** The program. */
  command: string;
  /** Its arguments. */
  args: string[];
  /** Environment added for it (never a secret). */
  env: Record<string, string>;
}

/** The entry `client` expects for a stdio server. */
export function serverEntry(client: ClientName, launch: ServerLaunch): Record<string, unknown> {
  const env = Object.keys(launch.env).length ? { env: launch.env } : {};
  // Claude Code and VS Code name the transport; Claude Desktop and Cursor take stdio as the default.
  const type = client === 'claude-code' || client === 'vscode' ? { type: 'stdio' } : {};
  return { ...type, command: launch.command, args: launch.args, ...env };
}

/** The launch an entry describes, or a reason it describes none. */
export function launchOf(entry: unknown): ServerLaunch | string {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return 'the entry is not an object';
  const e = entry as Record<string, unknown>;
  if (typeof e.command !== 'string' || !e.command) return 'the entry has no "command"';
  if (e.args !== undefined && (!Array.isArray(e.args) || !e.args.every((a) => typeof a === 'string')))
    return '"args" is not a list of strings';
  const env: Record<string, string> = {};
  if (e.env !== undefined) {
    if (!e.env || typeof e.env !== 'object' || Array.isArray(e.env)) return '"env" is not an object';
    for (const [key, value] of Object.entries(e.env)) {
      if (typeof value !== 'string') return `"env.${key}" is not a string`;
      env[key] = value;
    }
  }
  return { command: e.command, args: (e.args as string[] | undefined) ?? [], env };
}

/** Parses a config file's text (JSON with comments and trailing commas, as VS Code allows). */
export function parseConfig(text: string, path: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split('\n').length;
    throw new ClientConfigError(
      `${path} is not valid JSON (line ${line}: ${printParseErrorCode(first.error)}); fix it, or use --print and add the entry by hand.`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ClientConfigError(`${path} does not hold a JSON object; fix it, or use --print.`);
  return value as Record<string, unknown>;
}

/** Whether an entry already in the file is one tenant-mcp wrote (so it may be replaced without --force). */
function isOurs(entry: unknown): boolean {
  const launch = launchOf(entry);
  if (typeof launch === 'string') return false;
  const parts = [launch.command, ...launch.args];
  return (
    parts.some((part) => /tenant-mcp/.test(part)) ||
    (launch.args.includes('--tenant') && parts.some((part) => /[\\/]cli\.js$/.test(part)))
  );
}

/** The text of a config file with `name` set to `entry` under the client's root key. */
export function mergeEntry(
  text: string,
  target: ConfigTarget,
  name: string,
  entry: Record<string, unknown>,
  force: boolean,
): { text: string; replaced: boolean } {
  const current = parseConfig(text, target.path);
  const servers = current[target.rootKey];
  if (servers !== undefined && (!servers || typeof servers !== 'object' || Array.isArray(servers)))
    throw new ClientConfigError(
      `${target.path}: "${target.rootKey}" is not an object; fix it, or use --print.`,
    );
  const existing = servers ? Object.hasOwn(servers, name) : false;
  if (existing && !force && !isOurs((servers as Record<string, unknown>)[name]))
    throw new ClientConfigError(
      `${target.path} already has a server "${name}" that tenant-mcp did not write: choose another --server-name, or pass --force to replace it.`,
    );
  const base = text.trim() === '' ? '{}\n' : text;
  return {
    text: applyEdits(
      base,
      modify(base, [target.rootKey, name], entry, {}).map((e) => indented(base, e)),
    ),
    replaced: existing,
  };
}

/**
 * jsonc-parser's own formatting re-flows the whole line around an edit (a neighbour written on one line
 * would be spread over several), so the edit is made unformatted and only our text is indented here, in
 * the file's own style: its indent unit, its line ends, the depth of the line the edit lands on.
 */
function indented(text: string, edit: { offset: number; length: number; content: string }) {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = /^\t/m.test(text) ? '\t' : (/^( +)"/m.exec(text)?.[1] ?? '  ');
  const lineStart = text.lastIndexOf('\n', edit.offset - 1) + 1;
  const lineIndent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const pretty = (json: string, indent: string) =>
    JSON.stringify(JSON.parse(json), null, unit)
      .split('\n')
      .join(eol + indent);
  const property = /^(,?)("(?:[^"\\]|\\.)*"): ([\s\S]*)$/.exec(edit.content);
  if (!property) return { ...edit, content: pretty(edit.content, lineIndent) };
  const [, comma, key, value] = property;
  // With a comma it follows a sibling on this line's depth; without, it is the first in an empty object.
  const indent = comma ? lineIndent : lineIndent + unit;
  const content = `${comma}${eol}${indent}${key}: ${pretty(value!, indent)}${comma ? '' : eol + lineIndent}`;
  return { ...edit, content };
}

/** Checks that the entry can be merged into the file as it is now, without writing anything. */
export function checkEntry(
  target: ConfigTarget,
  name: string,
  entry: Record<string, unknown>,
  force: boolean,
): void {
  const path = existsSync(target.path) ? realpathSync(target.path) : target.path;
  mergeEntry(existsSync(path) ? readFileSync(path, 'utf8') : '', target, name, entry, force);
}

/** What writing one entry did. */
export interface WrittenConfig {
  /** The file. */
  path: string;
  /** Where the previous file was copied, when there was one. */
  backup?: string;
  /** Whether an entry of that name was replaced. */
  replaced: boolean;
}

/**
 * Adds or replaces the entry in the file: the previous file is copied to `<file>.bak-<time>`, the new
 * text written to a temporary file with the old one's mode and renamed over it (through a symlink, the
 * file it points to), so a crash leaves one whole file or the other.
 */
export function writeEntry(
  target: ConfigTarget,
  name: string,
  entry: Record<string, unknown>,
  options: { force: boolean; now: Date },
): WrittenConfig {
  const path = existsSync(target.path) ? realpathSync(target.path) : target.path;
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const { text, replaced } = mergeEntry(before ?? '', target, name, entry, options.force);
  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  let mode = 0o644;
  if (before !== undefined) {
    mode = statSync(path).mode & 0o777;
    backup = `${path}.bak-${options.now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
    copyFileSync(path, backup);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
  return { path, ...(backup ? { backup } : {}), replaced };
}

/** The file's text with only `name` shown under the root key, for `--print`. */
export function printedEntry(target: ConfigTarget, name: string, entry: Record<string, unknown>): string {
  return JSON.stringify({ [target.rootKey]: { [name]: entry } }, null, 2);
}

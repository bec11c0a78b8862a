// Each client's config file at its real place per OS, and the entry each expects.
import { describe, expect, it } from 'vitest';
import { type ClientName, configTarget, mergeEntry, serverEntry } from '../../src/setup/client-configs.js';

const place = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}) => ({
  platform,
  home: platform === 'win32' ? 'C:\\Users\\ada' : platform === 'darwin' ? '/Users/ada' : '/home/ada',
  env,
  projectDir: '/src/app',
});

describe('configTarget', () => {
  const cases: Array<[NodeJS.Platform, ClientName, string, NodeJS.ProcessEnv?]> = [
    ['darwin', 'claude-desktop', '/Users/ada/Library/Application Support/Claude/claude_desktop_config.json'],
    ['darwin', 'vscode', '/Users/ada/Library/Application Support/Code/User/mcp.json'],
    ['darwin', 'claude-code', '/Users/ada/.claude.json'],
    ['darwin', 'cursor', '/Users/ada/.cursor/mcp.json'],
    ['linux', 'claude-desktop', '/home/ada/.config/Claude/claude_desktop_config.json'],
    ['linux', 'vscode', '/xdg/Code/User/mcp.json', { XDG_CONFIG_HOME: '/xdg' }],
    ['linux', 'claude-code', '/cfg/.claude.json', { CLAUDE_CONFIG_DIR: '/cfg' }],
  ];
  for (const [platform, client, path, env] of cases)
    it(`puts ${client} on ${platform} at ${path}`, () => {
      expect(configTarget(client, 'user', place(platform, env)).path).toBe(path);
    });

  it('uses %APPDATA% on Windows', () => {
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' };
    // Paths are joined with this machine's separator; what matters is the base each client uses.
    expect(configTarget('claude-desktop', 'user', place('win32', env)).path).toMatch(
      /^C:\\Users\\ada\\AppData\\Roaming.Claude.claude_desktop_config\.json$/,
    );
    expect(configTarget('vscode', 'user', place('win32', env)).path).toMatch(
      /^C:\\Users\\ada\\AppData\\Roaming.Code.User.mcp\.json$/,
    );
  });

  it('puts project configs in the project, under the key each client reads', () => {
    const p = place('linux');
    expect(configTarget('claude-code', 'project', p)).toMatchObject({
      path: '/src/app/.mcp.json',
      rootKey: 'mcpServers',
    });
    expect(configTarget('cursor', 'project', p)).toMatchObject({
      path: '/src/app/.cursor/mcp.json',
      rootKey: 'mcpServers',
    });
    expect(configTarget('vscode', 'project', p)).toMatchObject({
      path: '/src/app/.vscode/mcp.json',
      rootKey: 'servers',
    });
  });
});

describe('entries and merging', () => {
  const launch = { command: 'node', args: ['/opt/tenant-mcp/dist/cli.js', '--tenant', 'acme'], env: {} };

  it('names the transport where the client wants it, and never carries an empty env', () => {
    expect(serverEntry('claude-code', launch)).toEqual({ type: 'stdio', command: 'node', args: launch.args });
    expect(serverEntry('cursor', launch)).toEqual({ command: 'node', args: launch.args });
  });

  it('replaces its own entry in place and refuses a stranger’s of the same name without --force', () => {
    const target = configTarget('cursor', 'user', place('linux'));
    const ours =
      '{\n  "mcpServers": {\n    "a": { "command": "x" },\n    "acme": { "command": "node", "args": ["/old/tenant-mcp/dist/cli.js"] }\n  }\n}\n';
    const merged = mergeEntry(ours, target, 'acme', serverEntry('cursor', launch), false);
    expect(merged.replaced).toBe(true);
    expect(merged.text).toContain('    "a": { "command": "x" },\n    "acme": {\n      "command": "node",');
    const theirs = '{ "mcpServers": { "acme": { "command": "acme-mcp" } } }';
    expect(() => mergeEntry(theirs, target, 'acme', serverEntry('cursor', launch), false)).toThrow(
      /already has a server "acme" that tenant-mcp did not write: choose another --server-name, or pass --force/,
    );
    expect(mergeEntry(theirs, target, 'acme', serverEntry('cursor', launch), true).replaced).toBe(true);
    expect(() => mergeEntry('{ "mcpServers": [] }', target, 'acme', {}, false)).toThrow(
      /"mcpServers" is not an object/,
    );
  });
});

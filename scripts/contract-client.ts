import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * Generates TypeScript types from the OpenAPI document with openapi-typescript and compiles the typed
 * client in contract/ (openapi-fetch over those types) with tsc: what a frontend team does with /docs-json.
 *
 *   npm run contract:client                      # from the server running on http://localhost:3000
 *   npm run contract:client -- <url or file>     # from another server, or a saved document
 *
 * Writes contract/generated/openapi.json and contract/generated/openapi.d.ts (git-ignored);
 * test/generated-client.e2e.test.ts runs the same steps over the test server's document.
 */
export const CONTRACT_DIR = 'contract';
const GENERATED_DIR = join(CONTRACT_DIR, 'generated');

export interface ClientBuild {
  ok: boolean;
  /** openapi-typescript's and tsc's output: the type errors when the client does not compile. */
  output: string;
}

const run = promisify(execFile);

/** Writes the document and its types, then type-checks contract/ (the client and the types together). */
export async function buildClient(document: unknown, root = process.cwd()): Promise<ClientBuild> {
  mkdirSync(join(root, GENERATED_DIR), { recursive: true });
  const documentPath = join(root, GENERATED_DIR, 'openapi.json');
  writeFileSync(documentPath, `${JSON.stringify(document, null, 2)}\n`);
  const steps: [string, string[]][] = [
    [
      join(root, 'node_modules/openapi-typescript/bin/cli.js'),
      [documentPath, '--output', join(root, GENERATED_DIR, 'openapi.d.ts')],
    ],
    [join(root, 'node_modules/typescript/bin/tsc'), ['-p', join(root, CONTRACT_DIR, 'tsconfig.json')]],
  ];
  let output = '';
  for (const [script, args] of steps) {
    try {
      const { stdout, stderr } = await run(process.execPath, [script, ...args], { cwd: root });
      output += stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: output + (failed.stdout ?? '') + (failed.stderr ?? '') || failed.message };
    }
  }
  return { ok: true, output };
}

async function documentFrom(source: string): Promise<unknown> {
  if (!/^https?:\/\//.test(source)) return JSON.parse(readFileSync(source, 'utf8'));
  const response = await fetch(source);
  if (!response.ok) throw new Error(`GET ${source}: ${response.status}`);
  return response.json();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const source = process.argv[2] ?? 'http://localhost:3000/docs-json';
  const build = await buildClient(await documentFrom(source));
  process.stdout.write(build.output);
  if (!build.ok) {
    console.error(`the client generated from ${source} does not compile`);
    process.exit(1);
  }
  console.log(`${GENERATED_DIR}/openapi.d.ts generated from ${source}; contract/ compiles`);
}

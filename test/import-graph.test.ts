import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { filesUnder } from './support/source-files.js';

// The walls ARCHITECTURE.md describes, checked on the sources (run from the repository root):
// no import circle, and no module reaching into another module's repository. Type-only imports
// count too — a circle of types is still two files that cannot be read apart.
const ROOT = process.cwd();
// Crossings still to remove (none: identity announces a revoked key as the api_key.revoked event instead).
const KNOWN_CROSSINGS = new Set<string>([]);
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return filesUnder(dir, (path) => path.endsWith('.ts') && !path.endsWith('.d.ts'));
}

/** Each source file's imports of other source files (relative specifiers; `./x.js` is `./x.ts`). */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      .map((target) => (known.has(target) ? target : join(target.replace(/\.ts$/, ''), 'index.ts')))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the circles. */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)!.includes(node))
      found.push(component.map((file) => relative(ROOT, file)).sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

function moduleOf(file: string): string | null {
  const match = /^src\/modules\/([^/]+)\//.exec(relative(ROOT, file).split('\\').join('/'));
  return match ? match[1] : null;
}

describe('import graph', () => {
  const graph = importGraph();

  it('has no circle', () => {
    // found only ${graph.size} source files under ${SRC}: run the tests from the repository root
    expect(graph.size).toBeGreaterThan(100);
    expect(circles(graph)).toStrictEqual([]);
  });

  it("has no module importing another module's repository", () => {
    const crossings = [...graph].flatMap(([file, targets]) =>
      targets
        .filter(
          (target) =>
            target.endsWith('.repository.ts') && moduleOf(target) !== null && moduleOf(file) !== moduleOf(target),
        )
        .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`),
    );
    expect(crossings.filter((crossing) => !KNOWN_CROSSINGS.has(crossing))).toStrictEqual([]);
  });

  it('has no repository importing a request or response DTO (repositories return row types)', () => {
    const leaks = [...graph].flatMap(([file, targets]) =>
      file.endsWith('.repository.ts')
        ? targets
            .filter((target) => target.includes('/dto/'))
            .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`)
        : [],
    );
    expect(leaks).toStrictEqual([]);
  });

  it('finds a circle and a crossing when there is one', () => {
    const a = join(SRC, 'modules/a/a.service.ts');
    const b = join(SRC, 'modules/b/b.repository.ts');
    const c = join(SRC, 'modules/b/c.ts');
    expect(
      circles(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, [b]],
        ]),
      ),
    ).toStrictEqual([['src/modules/b/b.repository.ts', 'src/modules/b/c.ts']]);
    expect(moduleOf(a)).toBe('a');
    expect(moduleOf(b)).toBe('b');
  });
});

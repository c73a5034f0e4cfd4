import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { Conflict, DomainError } from './domain-errors.js';
import { listProblemTypes, PROBLEM_TYPES } from './problem-types.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('problem types', () => {
  it('are written in the registry and nowhere else in the sources', () => {
    const elsewhere = sourceFiles(join(process.cwd(), 'src'))
      .filter((file) => !/problem-types(\.test)?\.ts$/.test(file))
      .filter((file) => readFileSync(file, 'utf8').includes('/problems/'))
      .map((file) => relative(process.cwd(), file));
    assert.deepEqual(elsewhere, []);
  });

  it('have one URI each, named after their code', () => {
    const types = listProblemTypes();
    assert.equal(new Set(types.map(({ type }) => type)).size, types.length);
    for (const { code, type } of types) assert.equal(type, `/problems/${code}`);
  });

  it('give a domain error its type, title and status', () => {
    const error = new Conflict('The task is already done.');
    assert.ok(error instanceof DomainError);
    assert.deepEqual([error.code, error.type, error.title, error.status, error.message], ['conflict', PROBLEM_TYPES.conflict.type, 'Conflict', 409, 'The task is already done.']);
  });
});

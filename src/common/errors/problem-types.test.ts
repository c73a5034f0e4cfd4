import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
    expect(elsewhere).toStrictEqual([]);
  });

  it('have one URI each, named after their code', () => {
    const types = listProblemTypes();
    expect(new Set(types.map(({ type }) => type)).size).toBe(types.length);
    for (const { code, type } of types) expect(type).toBe(`/problems/${code}`);
  });

  it('give a domain error its type, title and status', () => {
    const error = new Conflict('The task is already done.');
    expect(error).toBeInstanceOf(DomainError);
    expect([error.code, error.type, error.title, error.status, error.message]).toStrictEqual([
      'conflict',
      PROBLEM_TYPES.conflict.type,
      'Conflict',
      409,
      'The task is already done.',
    ]);
  });
});

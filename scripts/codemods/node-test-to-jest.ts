// Usage: npm run codemod:jest -- test/some.e2e.test.ts src/x/y.test.ts …   (rewrites the files in place;
// re-running it on a converted file changes nothing). Converts node:test + node:assert/strict tests to
// Jest's idiom (@jest/globals): before/after → beforeAll/afterAll, a describe's { timeout } → each test's
// and hook's own timeout, assert.* → expect(…) with the same meaning. A message of an assertion becomes a
// comment above it. Whatever it cannot convert faithfully it leaves as it was and names on stderr
// (exit code 2): convert those by hand.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

interface Edit {
  start: number;
  end: number;
  text: string;
}

const NODE_TEST_TO_JEST: Record<string, string> = {
  describe: 'describe',
  suite: 'describe',
  it: 'it',
  test: 'test',
  before: 'beforeAll',
  after: 'afterAll',
  beforeEach: 'beforeEach',
  afterEach: 'afterEach',
};
const TESTS_AND_HOOKS = new Set(['it', 'test', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach']);

function main(): void {
  const files = process.argv.slice(2).map((file) => path.resolve(file));
  if (files.length === 0) {
    console.error('usage: npm run codemod:jest -- <test file> …');
    process.exit(1);
  }
  const configPath = ts.findConfigFile(process.cwd(), (file) => ts.sys.fileExists(file), 'tsconfig.json');
  const parsed = configPath
    ? ts.parseJsonConfigFileContent(
        ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)).config,
        ts.sys,
        path.dirname(configPath),
      )
    : { options: {} as ts.CompilerOptions };
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true, incremental: false });
  const checker = program.getTypeChecker();
  let unconverted = 0;
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file}: not found`);
    const result = new FileConversion(source, checker).run();
    for (const warning of result.warnings) console.error(`${path.relative(process.cwd(), file)}:${warning}`);
    unconverted += result.warnings.length;
    if (result.text !== source.text) {
      writeFileSync(file, result.text);
      console.log(`converted ${path.relative(process.cwd(), file)}`);
    }
  }
  if (unconverted > 0) process.exit(2);
}

class FileConversion {
  private readonly edits: Edit[] = [];
  readonly warnings: string[] = [];
  /** node:test's imported functions by their symbol, with the Jest name they become. */
  private readonly testFunctions = new Map<ts.Symbol, string>();
  private assertSymbol?: ts.Symbol;
  private assertImport?: ts.ImportDeclaration;
  private nodeTestImport?: ts.ImportDeclaration;
  private readonly jestNames = new Set<string>();
  private assertsLeft = 0;

  constructor(
    private readonly source: ts.SourceFile,
    private readonly checker: ts.TypeChecker,
  ) {}

  run(): { text: string; warnings: string[] } {
    this.findImports();
    if (!this.nodeTestImport && !this.assertImport) return { text: this.source.text, warnings: [] };
    this.visit(this.source, undefined);
    this.rewriteImports();
    return { text: applyEdits(this.source.text, this.edits), warnings: this.warnings };
  }

  private findImports(): void {
    for (const statement of this.source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if ((from === 'node:assert/strict' || from === 'assert/strict') && clause?.name) {
        this.assertImport = statement;
        this.assertSymbol = this.checker.getSymbolAtLocation(clause.name);
      } else if (from === 'node:assert' || from === 'assert') {
        this.warn(
          statement,
          `${from} (loose comparisons) is not converted: use node:assert/strict first or convert by hand`,
        );
      } else if (from === 'node:test') {
        this.nodeTestImport = statement;
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            const imported = (element.propertyName ?? element.name).text;
            const jestName = NODE_TEST_TO_JEST[imported];
            const symbol = this.checker.getSymbolAtLocation(element.name);
            if (!jestName) this.warn(element, `node:test's ${imported} has no conversion`);
            else if (symbol) this.testFunctions.set(symbol, jestName);
          }
        }
      }
    }
  }

  private rewriteImports(): void {
    for (const name of this.testFunctions.values()) this.jestNames.add(name);
    const names = [...this.jestNames].sort((a, b) => a.localeCompare(b));
    const jestImport = `import { ${names.join(', ')} } from '@jest/globals';`;
    const assertGoes = this.assertImport && this.assertsLeft === 0;
    // The Jest import takes the place of the assert import (usually the first), else of node:test's.
    if (assertGoes && this.assertImport) {
      if (names.length > 0) this.replace(this.assertImport, jestImport);
      else this.remove(this.assertImport);
      if (this.nodeTestImport) this.remove(this.nodeTestImport);
    } else if (this.nodeTestImport) this.replace(this.nodeTestImport, jestImport);
    else if (names.length > 0 && this.assertImport)
      this.edits.push({
        start: this.assertImport.getStart(this.source),
        end: this.assertImport.getStart(this.source),
        text: `${jestImport}\n`,
      });
  }

  private visit(node: ts.Node, describeTimeout: string | undefined): void {
    if (ts.isIdentifier(node)) {
      const jestName = this.testFunctionName(node);
      if (jestName && jestName !== node.text && !ts.isImportSpecifier(node.parent)) this.replace(node, jestName);
      return;
    }
    if (ts.isCallExpression(node)) {
      const called = this.calledTestFunction(node);
      if (called === 'describe') {
        const timeout = this.dropOptions(node, 'describe');
        for (const argument of node.arguments) this.visit(argument, timeout ?? describeTimeout);
        this.visit(node.expression, describeTimeout);
        return;
      }
      if (called && TESTS_AND_HOOKS.has(called)) {
        const own = this.dropOptions(node, called);
        const bodyIndex = node.arguments.findIndex((arg) => ts.isArrowFunction(arg) || ts.isFunctionExpression(arg));
        const body = bodyIndex >= 0 ? node.arguments[bodyIndex] : undefined;
        const timeout = own ?? describeTimeout;
        // Jest's own timeout argument follows the function (node:test has its options in an object instead).
        const hasTimeout =
          bodyIndex >= 0 && node.arguments.slice(bodyIndex + 1).some((arg) => !ts.isObjectLiteralExpression(arg));
        if (timeout && body && !hasTimeout) this.edits.push({ start: body.end, end: body.end, text: `, ${timeout}` });
        if (body && (ts.isArrowFunction(body) || ts.isFunctionExpression(body)) && body.parameters.length > 0) {
          this.warn(
            body,
            `a test context (${body.parameters[0].getText()}) has no Jest counterpart: use hooks or try/finally`,
          );
        }
      }
      if (this.isAssertCall(node)) {
        this.convertAssertion(node);
        return;
      }
    }
    ts.forEachChild(node, (child) => this.visit(child, describeTimeout));
  }

  private testFunctionName(identifier: ts.Identifier): string | undefined {
    const symbol = this.checker.getSymbolAtLocation(identifier);
    return symbol ? this.testFunctions.get(symbol) : undefined;
  }

  /** describe / it / test / hooks by their Jest name; `it.skip(…)` and the like count as `it`. */
  private calledTestFunction(call: ts.CallExpression): string | undefined {
    let callee: ts.Expression = call.expression;
    if (ts.isPropertyAccessExpression(callee)) callee = callee.expression;
    return ts.isIdentifier(callee) ? this.testFunctionName(callee) : undefined;
  }

  /** Removes node:test's options argument and returns its timeout; skip/todo/only become it.skip and so on. */
  private dropOptions(call: ts.CallExpression, called: string): string | undefined {
    const args = call.arguments;
    const options = args.find(
      (arg, index) => ts.isObjectLiteralExpression(arg) && index < args.length - 1 && index <= 1,
    );
    if (!options || !ts.isObjectLiteralExpression(options)) {
      // A hook's options come first: before({ timeout }, fn) is not a thing in node:test, before(fn, { timeout }) is.
      const last = args[args.length - 1];
      if (
        args.length >= 2 &&
        last &&
        ts.isObjectLiteralExpression(last) &&
        TESTS_AND_HOOKS.has(called) &&
        called !== 'it' &&
        called !== 'test'
      ) {
        const timeout = this.optionTimeout(last);
        this.edits.push({ start: args[args.length - 2].end, end: last.end, text: '' });
        return timeout;
      }
      return undefined;
    }
    let timeout: string | undefined;
    for (const property of options.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) {
        this.warn(property, 'an option of node:test that is not `name: value`');
        continue;
      }
      const name = property.name.text;
      const value = property.initializer;
      if (name === 'timeout') timeout = value.getText();
      else if (name === 'concurrency')
        continue; // Jest runs a file's tests one after another; files run in parallel.
      else if (
        (name === 'skip' || name === 'todo' || name === 'only') &&
        value.kind === ts.SyntaxKind.TrueKeyword &&
        !ts.isPropertyAccessExpression(call.expression)
      ) {
        this.edits.push({ start: call.expression.end, end: call.expression.end, text: `.${name}` });
      } else this.warn(property, `node:test option ${name}: ${value.getText()} is not converted`);
    }
    // The options and the comma after them go; the next argument keeps its place.
    this.edits.push({
      start: options.getStart(this.source),
      end: args[args.indexOf(options) + 1].getStart(this.source),
      text: '',
    });
    return timeout;
  }

  private optionTimeout(options: ts.ObjectLiteralExpression): string | undefined {
    for (const property of options.properties) {
      if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === 'timeout')
        return property.initializer.getText();
      this.warn(property, `hook option ${property.getText()} is not converted`);
    }
    return undefined;
  }

  private isAssertCall(call: ts.CallExpression): boolean {
    if (!this.assertSymbol) return false;
    const callee = call.expression;
    const base = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
    return ts.isIdentifier(base) && this.checker.getSymbolAtLocation(base) === this.assertSymbol;
  }

  private convertAssertion(call: ts.CallExpression): void {
    const callee = call.expression;
    const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : 'ok';
    const args = call.arguments;
    const text = (node: ts.Node) => node.getText(this.source);
    let converted: string | undefined;
    let message: ts.Expression | undefined;
    switch (method) {
      case 'ok':
        converted = this.truthy(args[0]);
        message = args[1];
        break;
      case 'equal':
      case 'strictEqual':
        converted = this.strictlyEqual(args[0], args[1]);
        message = args[2];
        break;
      case 'notEqual':
      case 'notStrictEqual':
        converted = `expect(${text(args[0])}).not.toBe(${text(args[1])})`;
        message = args[2];
        break;
      case 'deepEqual':
      case 'deepStrictEqual':
        converted = `expect(${text(args[0])}).toStrictEqual(${text(args[1])})`;
        message = args[2];
        break;
      case 'notDeepEqual':
      case 'notDeepStrictEqual':
        converted = `expect(${text(args[0])}).not.toStrictEqual(${text(args[1])})`;
        message = args[2];
        break;
      case 'match':
        converted = `expect(${text(args[0])}).toMatch(${text(args[1])})`;
        message = args[2];
        break;
      case 'doesNotMatch':
        converted = `expect(${text(args[0])}).not.toMatch(${text(args[1])})`;
        message = args[2];
        break;
      case 'throws':
      case 'rejects': {
        const [action, expected, third] = args;
        const isMessage = expected && (ts.isStringLiteralLike(expected) || ts.isTemplateExpression(expected));
        message = isMessage ? expected : third;
        const matcher = isMessage || !expected ? undefined : this.errorMatcher(expected);
        if (matcher === null) break;
        converted =
          method === 'throws'
            ? `expect(${text(action)}).toThrow(${matcher ?? ''})`
            : `await expect(${text(action)}).rejects.toThrow(${matcher ?? ''})`;
        if (method === 'rejects' && ts.isAwaitExpression(call.parent)) {
          this.replace(call.parent, converted);
          this.comment(call.parent, message);
          return;
        }
        break;
      }
      case 'doesNotThrow':
        converted = `expect(${text(args[0])}).not.toThrow()`;
        message = args[1];
        break;
      case 'fail':
        converted = `throw new Error(${args[0] ? text(args[0]) : "'failed'"})`;
        if (!ts.isExpressionStatement(call.parent)) converted = undefined;
        else {
          this.replace(call.parent, `${converted};`);
          return;
        }
        break;
    }
    if (converted === undefined) {
      this.assertsLeft += 1;
      this.warn(call, `assert.${method} left as it is`);
      return;
    }
    this.replace(call, converted);
    this.comment(call, message);
  }

  /** assert.ok(x): the matcher that says what x is, with the same meaning. */
  private truthy(value: ts.Expression): string {
    const text = (node: ts.Node) => node.getText(this.source);
    const inner = skipParentheses(value);
    if (ts.isBinaryExpression(inner)) {
      const { left, right } = inner;
      const operator = inner.operatorToken.kind;
      const comparisons: Partial<Record<ts.SyntaxKind, string>> = {
        [ts.SyntaxKind.GreaterThanToken]: 'toBeGreaterThan',
        [ts.SyntaxKind.GreaterThanEqualsToken]: 'toBeGreaterThanOrEqual',
        [ts.SyntaxKind.LessThanToken]: 'toBeLessThan',
        [ts.SyntaxKind.LessThanEqualsToken]: 'toBeLessThanOrEqual',
      };
      const comparison = comparisons[operator];
      if (comparison && this.isNumeric(left) && this.isNumeric(right))
        return `expect(${text(left)}).${comparison}(${text(right)})`;
      if (operator === ts.SyntaxKind.EqualsEqualsEqualsToken) return this.strictlyEqual(left, right);
      if (operator === ts.SyntaxKind.ExclamationEqualsEqualsToken)
        return `expect(${text(left)}).not.toBe(${text(right)})`;
      if (operator === ts.SyntaxKind.InstanceOfKeyword) return `expect(${text(left)}).toBeInstanceOf(${text(right)})`;
    }
    if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken) {
      const negated = skipParentheses(inner.operand);
      return this.isBoolean(negated) ? `expect(${text(negated)}).toBe(false)` : `expect(${text(negated)}).toBeFalsy()`;
    }
    if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && inner.arguments.length === 1) {
      const receiver = inner.expression.expression;
      const name = inner.expression.name.text;
      const [argument] = inner.arguments;
      if (name === 'includes' && (this.isString(receiver) || this.isArray(receiver)) && !ts.isSpreadElement(argument)) {
        return `expect(${text(receiver)}).toContain(${text(argument)})`;
      }
      if (name === 'test' && this.isRegExp(receiver) && this.isString(argument))
        return `expect(${text(argument)}).toMatch(${text(receiver)})`;
    }
    return this.isBoolean(value) ? `expect(${text(value)}).toBe(true)` : `expect(${text(value)}).toBeTruthy()`;
  }

  /** assert.equal(a, b): Object.is, which is what toBe compares with; clearer matchers where they say the same. */
  private strictlyEqual(actual: ts.Expression, expected: ts.Expression): string {
    const text = (node: ts.Node) => node.getText(this.source);
    if (expected.kind === ts.SyntaxKind.NullKeyword) return `expect(${text(actual)}).toBeNull()`;
    if (ts.isIdentifier(expected) && expected.text === 'undefined') return `expect(${text(actual)}).toBeUndefined()`;
    const target = skipParentheses(actual);
    if (
      ts.isPropertyAccessExpression(target) &&
      target.name.text === 'length' &&
      (this.isArray(target.expression) || this.isString(target.expression))
    ) {
      return `expect(${text(target.expression)}).toHaveLength(${text(expected)})`;
    }
    return `expect(${text(actual)}).toBe(${text(expected)})`;
  }

  /** The second argument of assert.throws / rejects as a toThrow argument; null when Jest has no equivalent. */
  private errorMatcher(expected: ts.Expression): string | undefined | null {
    if (ts.isRegularExpressionLiteral(expected)) {
      // node:assert tests the regular expression against String(error) ("Name: message"), Jest against the message.
      if (/^\/\^|Error:/.test(expected.text)) {
        this.warn(expected, `${expected.text} may match the error's name, which Jest does not see`);
        return null;
      }
      return expected.getText(this.source);
    }
    if (ts.isObjectLiteralExpression(expected)) {
      // node:assert compares each listed property (a RegExp value is matched); Jest: the same with objectContaining.
      const properties = expected.properties.map((property) => {
        if (!ts.isPropertyAssignment(property)) return undefined;
        const value = property.initializer;
        const valueText = ts.isRegularExpressionLiteral(value)
          ? `expect.stringMatching(${value.text})`
          : value.getText(this.source);
        return `${property.name.getText(this.source)}: ${valueText}`;
      });
      if (properties.some((property) => property === undefined)) {
        this.warn(expected, 'an error pattern with shorthand or spread properties');
        return null;
      }
      return `expect.objectContaining({ ${properties.join(', ')} })`;
    }
    if (ts.isArrowFunction(expected) || ts.isFunctionExpression(expected)) {
      this.warn(expected, 'a validation function: say with expect.objectContaining what the error must be');
      return null;
    }
    const type = this.checker.getTypeAtLocation(expected);
    if (type.getConstructSignatures().length > 0) return expected.getText(this.source); // an error class: instanceof, in both
    this.warn(expected, `cannot tell what kind of error matcher ${expected.getText(this.source)} is`);
    return null;
  }

  /** The assertion's message, as a comment: Jest has no place for it. Diagnostics (JSON.stringify(…)) go. */
  private comment(call: ts.Node, message: ts.Expression | undefined): void {
    if (!message) return;
    let words: string;
    if (ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message)) words = message.text;
    else if (ts.isTemplateExpression(message)) words = message.getText(this.source).slice(1, -1);
    else return;
    words = words.replace(/\s+/g, ' ').replace(/\*\//g, '* /').trim();
    // A message made only of interpolations (`${a}/${b}`) is a diagnostic, not words.
    if (!/\p{L}{2,}/u.test(words.replace(/\$\{[^}]*\}/g, ''))) return;
    const statement =
      call.parent && ts.isExpressionStatement(call.parent)
        ? call.parent
        : ts.isAwaitExpression(call.parent) && ts.isExpressionStatement(call.parent.parent)
          ? call.parent.parent
          : undefined;
    if (statement) {
      const start = statement.getStart(this.source);
      const lineStart = this.source.text.lastIndexOf('\n', start - 1) + 1;
      const indent = this.source.text.slice(lineStart, start);
      const onItsOwnLine = /^\s*$/.test(indent);
      this.edits.push({ start, end: start, text: onItsOwnLine ? `// ${words}\n${indent}` : `/* ${words} */ ` });
    } else {
      const start = call.getStart(this.source);
      this.edits.push({ start, end: start, text: `/* ${words} */ ` });
    }
    if (!this.jestNames.has('expect')) this.jestNames.add('expect');
  }

  private isNumeric(node: ts.Expression): boolean {
    return this.everyPart(node, (type) => (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike)) !== 0);
  }

  private isString(node: ts.Expression): boolean {
    return this.everyPart(node, (type) => (type.flags & ts.TypeFlags.StringLike) !== 0);
  }

  private isBoolean(node: ts.Expression): boolean {
    return this.everyPart(node, (type) => (type.flags & ts.TypeFlags.BooleanLike) !== 0);
  }

  private isArray(node: ts.Expression): boolean {
    return this.everyPart(node, (type) => this.checker.isArrayType(type) || this.checker.isTupleType(type));
  }

  private isRegExp(node: ts.Expression): boolean {
    if (ts.isRegularExpressionLiteral(skipParentheses(node))) return true;
    return this.everyPart(node, (type) => type.getSymbol()?.getName() === 'RegExp');
  }

  /** True when the expression's type (every member of a union) is known and passes; `any` never does. */
  private everyPart(node: ts.Expression, test: (type: ts.Type) => boolean): boolean {
    const type = this.checker.getTypeAtLocation(node);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
    const parts = type.isUnion() ? type.types : [type];
    return parts.every(test);
  }

  private replace(node: ts.Node, text: string): void {
    this.edits.push({ start: node.getStart(this.source), end: node.getEnd(), text });
    if (text.includes('expect(') || text.includes('expect.')) this.jestNames.add('expect');
  }

  private remove(statement: ts.Statement): void {
    const start = statement.getStart(this.source);
    let end = statement.getEnd();
    if (this.source.text[end] === '\n') end += 1;
    this.edits.push({ start, end, text: '' });
  }

  private warn(node: ts.Node, what: string): void {
    const { line, character } = this.source.getLineAndCharacterOfPosition(node.getStart(this.source));
    this.warnings.push(`${line + 1}:${character + 1}: ${what}`);
  }
}

function skipParentheses(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

/** Applies edits from the end of the file backwards; at one position, the wider edit first. */
function applyEdits(text: string, edits: Edit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const edit of ordered) {
    if (edit.end > floor) throw new Error(`overlapping edits at ${edit.start}-${edit.end}`);
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    floor = edit.start === edit.end ? edit.start + 0.5 : edit.start;
  }
  return result;
}

main();

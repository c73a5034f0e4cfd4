import { describe, expect, it } from '@jest/globals';
import { checkAnswers } from './feedback.service.js';
import type { SurveyQuestion } from './feedback.repository.js';

const QUESTIONS: SurveyQuestion[] = [
  { key: 'recommend', kind: 'nps', text: '推荐？' },
  { key: 'again', kind: 'nps', text: '再推荐？' },
  { key: 'satisfied', kind: 'csat', text: '满意？' },
  { key: 'comment', kind: 'text', text: '建议？' },
];

describe('checkAnswers', () => {
  it.each([
    [{ recommend: 0 }, [], 0, null],
    [{ recommend: 10, satisfied: 5, comment: '好' }, [], 10, 5],
    [{ again: 7 }, [], 7, null],
    [{ recommend: 3, again: 9 }, [], 3, null],
    [{ satisfied: 1 }, [], null, 1],
    [{ recommend: 11 }, ['answers.recommend'], 11, null],
    [{ recommend: -1 }, ['answers.recommend'], -1, null],
    [{ recommend: 7.5 }, ['answers.recommend'], 7.5, null],
    [{ recommend: '9' }, ['answers.recommend'], '9', null],
    [{ satisfied: 0 }, ['answers.satisfied'], null, 0],
    [{ satisfied: 6 }, ['answers.satisfied'], null, 6],
    [{ comment: 5 }, ['answers.comment'], null, null],
    [{ colour: 'red' }, ['answers.colour'], null, null],
  ])('%j → errors %j', (answers, fields, nps, csat) => {
    const checked = checkAnswers(QUESTIONS, answers);
    expect(checked.errors.map((error) => error.field)).toStrictEqual(fields);
    if (!fields.length) expect({ nps: checked.nps, csat: checked.csat }).toStrictEqual({ nps, csat });
  });
});

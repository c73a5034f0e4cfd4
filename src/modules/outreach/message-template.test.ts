import { describe, expect, it } from '@jest/globals';
import { chineseSalutation, contentKey, renderHtml, renderText } from './message-template.js';

describe('message templates', () => {
  it.each([
    ['张伟', 'male', '张先生'],
    ['李娜', 'female', '李女士'],
    ['欧阳明', 'male', '欧阳先生'],
    ['司马云', 'female', '司马女士'],
    ['王芳', null, '王芳'],
    ['Alice Smith', 'female', 'Alice Smith'],
  ])('greets %s (%s) as %s', (name, gender, expected) => {
    expect(chineseSalutation(name, gender)).toBe(expected);
  });

  it('escapes customer data in e-mail HTML and leaves text as it is', () => {
    const context = { salutation: '<b>张先生</b>', name: '张伟', tier: 'VIP', points: 1200 };
    expect(renderHtml('{{ salutation }}，您的{{ tier }}积分：{{ points }}', context)).toBe(
      '&lt;b&gt;张先生&lt;/b&gt;，您的VIP积分：1200',
    );
    expect(renderText('{{ salutation }}', context)).toBe('<b>张先生</b>');
  });

  it('calls two templates the same content only when subject and body are the same', () => {
    expect(contentKey('a', 'b')).toBe(contentKey('a', 'b'));
    expect(contentKey('a', 'b')).not.toBe(contentKey('ab', ''));
  });
});

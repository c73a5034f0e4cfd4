import { describe, expect, it } from '@jest/globals';
import iconv from 'iconv-lite';
import { detectEncoding } from './file-encoding.js';

describe('import file encoding', () => {
  it('reads the byte-order marks', () => {
    expect(detectEncoding(Buffer.from('\ufeff姓名', 'utf8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x53, 0x59]))).toBe('utf-16le');
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0x59, 0x53]))).toBe('utf-16be');
  });

  it('tells UTF-8 without a mark from GBK', () => {
    expect(detectEncoding(Buffer.from('姓名,手机\n张伟,13812345678', 'utf8'))).toBe('utf-8');
    expect(detectEncoding(iconv.encode('姓名,手机\n张伟,13812345678', 'gbk'))).toBe('gbk');
    expect(detectEncoding(Buffer.from('name,mobile', 'ascii'))).toBe('utf-8');
  });

  it('is not fooled by a sample that ends inside a character', () => {
    const text = Buffer.from('姓名张伟', 'utf8');
    expect(detectEncoding(text.subarray(0, text.length - 1))).toBe('utf-8');
  });
});

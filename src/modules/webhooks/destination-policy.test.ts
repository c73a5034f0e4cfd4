import { describe, expect, it } from '@jest/globals';
import { DestinationPolicy, ForbiddenDestination } from './destination-policy.js';

describe('webhook destination policy', () => {
  const strict = new DestinationPolicy(false, [], false);
  const refuses = (policy: DestinationPolicy, address: string) =>
    expect(() => policy.checkAddress(address, 'partner.example')).toThrow(ForbiddenDestination);

  const forbidden = [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::7f00:1',
    '::127.0.0.1',
    '::ffff:0:7f00:1',
    '2002:7f00:1::1',
  ];
  for (const address of forbidden) it(`refuses ${address}`, () => refuses(strict, address));

  for (const address of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    it(`allows the public address ${address}`, () => strict.checkAddress(address, 'partner.example'));
  }

  it('allows what the allow-list names: an address, a range or a host name', () => {
    const policy = new DestinationPolicy(false, ['127.0.0.1', '10.0.0.0/8', 'hooks.internal'], false);
    policy.checkAddress('127.0.0.1', 'localhost');
    policy.checkAddress('10.20.30.40', 'erp.lan');
    policy.checkAddress('192.168.1.5', 'hooks.internal');
    refuses(policy, '127.0.0.2');
    refuses(policy, '169.254.169.254');
  });

  it('allows everything when private destinations are allowed (development)', () => {
    new DestinationPolicy(true, [], false).checkAddress('169.254.169.254', 'metadata');
  });

  it('checks the URL: scheme, credentials and a literal address', () => {
    const production = new DestinationPolicy(false, [], true);
    expect(() => production.checkUrl(new URL('http://partner.example/hook'))).toThrow(/https/);
    production.checkUrl(new URL('https://partner.example/hook'));
    expect(() => strict.checkUrl(new URL('ftp://partner.example/hook'))).toThrow(/http or https/);
    expect(() => strict.checkUrl(new URL('https://user:pw@partner.example/hook'))).toThrow(/credentials/);
    expect(() => strict.checkUrl(new URL('http://127.0.0.1:8080/hook'))).toThrow(ForbiddenDestination);
    expect(() => strict.checkUrl(new URL('http://[::1]:8080/hook'))).toThrow(ForbiddenDestination);
    expect(() => strict.checkUrl(new URL('http://2130706433/hook'))).toThrow(ForbiddenDestination); // 127.0.0.1 written as a number
  });
});

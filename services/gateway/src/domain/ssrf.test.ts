import { addressAllowed, classifyAddress, parseAllowList, refusalFor } from './ssrf';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4_mapped'],
    ['::ffff:8.8.8.8', 'ipv4_mapped'],
    ['::ffff:7f00:1', 'ipv4_mapped'],
    ['64:ff9b::a00:1', 'ipv4_translated'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2002:7f00:1::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('allow-list', () => {
  const list = parseAllowList(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'media.internal', '.corp.example']);

  it('matches addresses and CIDRs', () => {
    expect(addressAllowed(list, '127.0.0.1')).toBe(true);
    expect(addressAllowed(list, '127.0.0.2')).toBe(false);
    expect(addressAllowed(list, '10.200.3.4')).toBe(true);
    expect(addressAllowed(list, 'fd00::5')).toBe(true);
    expect(addressAllowed(list, 'fc00::5')).toBe(false);
  });

  it('refuses private addresses unless the host or address is listed', () => {
    expect(refusalFor(list, 'evil.test', '169.254.169.254')).toMatch(/link local/);
    expect(refusalFor(list, 'evil.test', '10.0.0.1')).toBeUndefined();
    expect(refusalFor(list, 'media.internal', '192.168.0.4')).toBeUndefined();
    expect(refusalFor(list, 'a.corp.example', '192.168.0.4')).toBeUndefined();
    expect(refusalFor(list, 'corp.example.evil', '192.168.0.4')).toBeDefined();
    expect(refusalFor(parseAllowList([]), 'example.com', '93.184.216.34')).toBeUndefined();
  });

  it('rejects a malformed CIDR', () => {
    expect(() => parseAllowList(['10.0.0.0/40'])).toThrow(/invalid CIDR/);
  });
});

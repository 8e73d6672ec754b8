import { describe, expect, it } from 'vitest';
import { Fronts } from '../src/fronts/index.ts';

describe('the fronts registry', () => {
  it('counts ports up from the first port, and hands out free ports (0) without one', () => {
    // Prepare
    const counted = new Fronts({ firstPort: 4567 });
    const free = new Fronts();

    // Act
    const countedPorts = [counted.allocatePort(), counted.allocatePort(), counted.allocatePort()];
    const freePorts = [free.allocatePort(), free.allocatePort()];

    // Assess
    expect(countedPorts).toEqual([4567, 4568, 4569]);
    expect(freePorts).toEqual([0, 0]);
  });

  it("rewrites every registered front's AWS URLs to its local URL, keeping paths", () => {
    // Prepare
    const fronts = new Fronts();
    fronts.register('abc123.execute-api.*.amazonaws.com', 'http://127.0.0.1:4567');
    fronts.register('d111111abcdef8.cloudfront.net', 'http://127.0.0.1:4568');
    const text = [
      'https://abc123.execute-api.us-east-1.amazonaws.com/',
      'https://ABC123.execute-api.eu-west-1.amazonaws.com/prod/pets?x=1',
      '"https://d111111abcdef8.cloudfront.net"',
      'https://d111111abcdef8.cloudfront.net/index.html,',
    ].join(' ');

    // Act
    const local = fronts.localize(text);

    // Assess
    expect(local).toBe(
      [
        'http://127.0.0.1:4567/',
        'http://127.0.0.1:4567/prod/pets?x=1',
        '"http://127.0.0.1:4568"',
        'http://127.0.0.1:4568/index.html,',
      ].join(' '),
    );
  });

  it('leaves the URLs of hosts no front stands in for, and look-alikes, as they are', () => {
    // Prepare
    const fronts = new Fronts();
    fronts.register('abc123.execute-api.*.amazonaws.com', 'http://127.0.0.1:4567');
    const text = [
      'https://other99.execute-api.us-east-1.amazonaws.com/',
      'https://abc123.execute-api.us-east-1.amazonaws.com.example.org/',
      'https://xabc123.execute-api.us-east-1.amazonaws.com/',
      'https://abc123.execute-api.us-east-1.amazonaws.com:8443/',
      'http://abc123.execute-api.us-east-1.amazonaws.com/',
    ].join(' ');

    // Act
    const local = fronts.localize(text);

    // Assess
    expect(local).toBe(text);
    expect(fronts.urlOf('abc123.execute-api.us-east-1.amazonaws.com')).toBe('http://127.0.0.1:4567');
    expect(fronts.urlOf('abc123.execute-api.amazonaws.com')).toBeUndefined();
  });
});

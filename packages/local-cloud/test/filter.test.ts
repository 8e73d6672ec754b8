import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../src/triggers/filter.ts';

const order = {
  body: {
    type: 'order',
    status: 'NEW',
    total: 42.5,
    customer: { tier: 'gold', email: 'ann@example.com' },
    tags: ['rush', 'gift'],
    note: null,
  },
  attributes: { ApproximateReceiveCount: '1' },
  eventSource: 'aws:sqs',
  sourceIp: '10.0.1.17',
};

describe('matchesPattern', () => {
  it.each([
    ['an exact value', { body: { type: ['order'] } }],
    ['one of several values', { body: { type: ['refund', 'order'] } }],
    ['a nested object', { body: { customer: { tier: ['gold'] } } }],
    ['every field (AND)', { eventSource: ['aws:sqs'], body: { status: ['NEW'] } }],
    ['a value inside an array', { body: { tags: ['gift'] } }],
    ['null', { body: { note: [null] } }],
    ['a prefix', { body: { customer: { email: [{ prefix: 'ann@' }] } } }],
    ['a prefix, ignoring case', { body: { status: [{ prefix: { 'equals-ignore-case': 'ne' } }] } }],
    ['a suffix', { body: { customer: { email: [{ suffix: '.com' }] } } }],
    ['equals-ignore-case', { body: { status: [{ 'equals-ignore-case': 'new' }] } }],
    ['a wildcard', { body: { customer: { email: [{ wildcard: 'ann@*.com' }] } } }],
    ['anything-but a value', { body: { status: [{ 'anything-but': 'CANCELLED' }] } }],
    ['anything-but a list', { body: { status: [{ 'anything-but': ['CANCELLED', 'FAILED'] }] } }],
    ['anything-but a prefix', { body: { status: [{ 'anything-but': { prefix: 'CAN' } }] } }],
    ['a numeric range', { body: { total: [{ numeric: ['>', 0, '<=', 50] }] } }],
    ['numeric equality', { body: { total: [{ numeric: ['=', 42.5] }] } }],
    ['exists', { body: { customer: { tier: [{ exists: true }] } } }],
    ['does not exist', { body: { coupon: [{ exists: false }] } }],
    ['a CIDR block', { sourceIp: [{ cidr: '10.0.0.0/16' }] }],
    [
      '$or alternatives',
      { $or: [{ body: { type: ['refund'] } }, { body: { total: [{ numeric: ['>', 40] }] } }] },
    ],
    ['an empty pattern', {}],
  ])('matches %s', (_name, pattern) => {
    // Act
    const matched = matchesPattern(pattern, order);

    // Assess
    expect(matched).toBe(true);
  });

  it.each([
    ['a different value', { body: { type: ['refund'] } }],
    ['a value of another type', { body: { total: ['42.5'] } }],
    ['a missing field', { body: { coupon: ['X'] } }],
    ['one failing field of several', { eventSource: ['aws:sqs'], body: { status: ['OLD'] } }],
    ['a wrong prefix', { body: { customer: { email: [{ prefix: 'bob@' }] } } }],
    ['case, without ignore-case', { body: { status: ['new'] } }],
    ['anything-but the value itself', { body: { status: [{ 'anything-but': ['NEW'] }] } }],
    ['anything-but on a missing field', { body: { coupon: [{ 'anything-but': 'X' }] } }],
    ['an out-of-range number', { body: { total: [{ numeric: ['>=', 100] }] } }],
    ['exists on a missing field', { body: { coupon: [{ exists: true }] } }],
    ['does not exist on a present field', { body: { status: [{ exists: false }] } }],
    ['an address outside the block', { sourceIp: [{ cidr: '10.1.0.0/16' }] }],
    ['a nested pattern against a string', { eventSource: { kind: ['x'] } }],
  ])('does not match %s', (_name, pattern) => {
    // Act
    const matched = matchesPattern(pattern, order);

    // Assess
    expect(matched).toBe(false);
  });
});

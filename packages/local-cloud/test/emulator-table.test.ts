import { describe, expect, it } from 'vitest';
import { type Emulator, Emulators } from '../src/emulators/index.ts';
import { LocalCloudError } from '../src/errors.ts';

const context = { gatewayUrl: 'http://127.0.0.1:4566', workDirectory: '/tmp/unused' };

/** A stand-in emulator that remembers whether it was started and stopped. */
function fake(name: string, extra: Partial<Emulator> & { fails?: string } = {}) {
  const life = { started: false, stopped: false };
  const emulator: Emulator = {
    name,
    serves: `${name}'s service`,
    routes: [name.toLowerCase()],
    ...extra,
    async start() {
      if (extra.fails) throw new LocalCloudError(extra.fails);
      life.started = true;
      return {
        url: `http://127.0.0.1:1/${name}`,
        stop: async () => {
          life.stopped = true;
        },
      };
    },
  };
  return { emulator, life };
}

describe('the emulator table', () => {
  it('starts what the stacks need and says, per route, why the others do not run', async () => {
    // Prepare
    const queues = fake('Queues');
    const tables = fake('Tables', { neededBy: ['AWS::DynamoDB::'], neededFor: 'a table' });
    const pools = fake('Pools', { neededBy: ['AWS::Cognito::'], option: 'cognito' });

    // Act
    const emulators = await Emulators.start({
      emulators: [queues.emulator, tables.emulator, pools.emulator],
      resources: [{ Type: 'AWS::DynamoDB::Table' }, { Type: 'AWS::SQS::Queue' }],
      choices: new Map([[pools.emulator, false]]),
      context,
    });

    // Assess
    expect([queues.life.started, tables.life.started, pools.life.started]).toEqual([true, true, false]);
    expect(emulators.url('tables')).toBe('http://127.0.0.1:1/Tables');
    expect(emulators.unavailable('pools')).toBe('Pools was not started (the cognito option is false).');
    expect(emulators.routes()).toEqual([
      ['queues', { url: 'http://127.0.0.1:1/Queues' }],
      ['tables', { url: 'http://127.0.0.1:1/Tables' }],
      ['pools', { unavailable: 'Pools was not started (the cognito option is false).' }],
    ]);
    await emulators.stop();
    expect([queues.life.stopped, tables.life.stopped]).toEqual([true, true]);
  });

  it('leaves out an emulator no stack needs, naming what would need it', async () => {
    // Prepare
    const tables = fake('Tables', { neededBy: ['AWS::DynamoDB::'], neededFor: 'a table' });

    // Act
    const emulators = await Emulators.start({ emulators: [tables.emulator], resources: [], context });

    // Assess
    expect(tables.life.started).toBe(false);
    expect(emulators.unavailable('tables')).toBe(
      'Tables was not started: no selected stack declares a table.',
    );
  });

  it('warns, and goes on, when an emulator cannot start (Java missing)', async () => {
    // Prepare
    const warnings: string[] = [];
    const tables = fake('Tables', { fails: 'DynamoDB Local needs Java 17 or newer: install a JRE.' });

    // Act
    const emulators = await Emulators.start({
      emulators: [tables.emulator],
      resources: [],
      choices: new Map([[tables.emulator, true]]),
      context,
      onWarning: (message) => warnings.push(message),
    });

    // Assess
    expect(warnings).toEqual(['DynamoDB Local needs Java 17 or newer: install a JRE.']);
    expect(emulators.unavailable('tables')).toBe('DynamoDB Local needs Java 17 or newer: install a JRE.');
  });

  it('fails the start when an essential emulator cannot start, stopping the ones that did', async () => {
    // Prepare
    const queues = fake('Queues', { essential: true, fails: 'Port 4566 is in use.' });
    const logs = fake('Logs');

    // Act
    const starting = Emulators.start({ emulators: [logs.emulator, queues.emulator], resources: [], context });

    // Assess
    await expect(starting).rejects.toThrow('Port 4566 is in use.');
    expect(logs.life).toEqual({ started: true, stopped: true });
  });
});

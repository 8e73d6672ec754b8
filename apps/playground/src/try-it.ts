import { integrationOfStack } from '@triggers/infra';
import { commandsFor, type IntegrationDescriptor, tryItCommands } from '@triggers/kit';
import {
  type DeployedStack,
  type Layout,
  type LocalCloud,
  wrapCommand,
  wrapText,
} from '@triggers/local-cloud';

/** An `aws` command at the start of a line or of a `$(…)` substitution, e.g. `TOKEN=$(aws cognito-idp …)`. */
const AWS_COMMAND = /(^|\$\()aws /g;

/** Everything, as wide as it comes: what the tests and `--verbose` at any width read. */
const WHOLE: Layout = { columns: Number.POSITIVE_INFINITY, verbose: true };

/**
 * What `pnpm start` prints for the deployed integrations, pointed at the local endpoint with `--endpoint-url` (so
 * the commands also work with CLIs older than 2.13, which ignore AWS_ENDPOINT_URL), in lines no wider than
 * `layout.columns` (commands wrapped so the shell reads them as printed). By default one line per integration:
 * its name, its state and a command that sends its first sample; with `verbose`, every sample, poison variant and
 * command to look at the effects. A command that needs a resource that does not run here (a DynamoDB table without
 * Java) is not offered: its place says why.
 */
export function tryIt(cloud: Pick<LocalCloud, 'endpoint' | 'stacks'>, layout: Layout = WHOLE): string[] {
  const ours = cloud.stacks.flatMap((stack) => {
    const integration = integrationOfStack(stack.stackName);
    return integration ? [{ stack, integration }] : [];
  });
  if (ours.length === 0) return [];
  if (layout.verbose) {
    return ours.flatMap(({ stack, integration }, index) => [
      ...(index > 0 ? [''] : []),
      ...verboseBlock(stack, integration, cloud.endpoint, layout),
    ]);
  }
  const width = Math.max(...ours.map(({ integration }) => integration.name.length));
  return [
    ...wrapText(
      'Integrations (--verbose or the page: every command, poison variants, what does not run locally):',
      layout.columns,
    ),
    ...ours.flatMap(({ stack, integration }) =>
      summaryLine(stack, integration, cloud.endpoint, layout, width),
    ),
  ];
}

function verboseBlock(
  stack: DeployedStack,
  integration: IntegrationDescriptor,
  endpoint: string,
  layout: Layout,
): string[] {
  const lines = tryItCommands(integration, stack.outputs).map((line) => pointAtEndpoint(line, endpoint));
  return [
    ...wrapText(
      `Try ${stack.stackName} (AWS CLI; credentials and region from the export above):`,
      layout.columns,
    ),
    ...lines.flatMap((line) => {
      if (line.startsWith('#')) return wrapText(`  ${line}`, layout.columns, '    # ');
      const missing = notRunHere(stack, line);
      if (missing)
        return wrapText(`  # not offered: ${commandName(line)} needs ${missing}`, layout.columns, '    # ');
      return wrapCommand(line, layout.columns, '  ', '      ');
    }),
  ];
}

/** `sqs  running  aws … sqs send-message …`: the integration's name, its state, and its first sample sent. */
function summaryLine(
  stack: DeployedStack,
  integration: IntegrationDescriptor,
  endpoint: string,
  layout: Layout,
  nameWidth: number,
): string[] {
  const notRun = stack.resources.filter((resource) => resource.status === 'unsupported').length;
  const state = notRun === 0 ? 'running' : `running, ${notRun} not run locally`;
  const head = `  ${integration.name.padEnd(nameWidth)}  ${state}  `;
  const sample = integration.samples[0];
  if (!sample) return wrapText(head.trimEnd(), layout.columns);
  // The command that fires the trigger; one that makes the file to upload first is in --verbose.
  const commands = commandsFor(sample.input, stack.outputs).map((line) => pointAtEndpoint(line, endpoint));
  const command = commands.at(-1) ?? '';
  const missing = notRunHere(stack, command);
  if (missing) return wrapText(`${head}(${commandName(command)} needs ${missing})`, layout.columns, '      ');
  const notes = [
    ...(sample.input.kind === 's3-object'
      ? [
          `${sample.input.key.split('/').pop()}: the sample's file, made by a command in --verbose (or one of yours).`,
        ]
      : []),
    ...(sample.input.kind === 'http-request' && sample.input.signedIn
      ? ['$TOKEN comes from the sign-in commands (--verbose, or the page).']
      : []),
  ];
  return [
    ...wrapCommand(command, layout.columns, head, '      '),
    ...notes.flatMap((note) => wrapText(`      # ${note}`, layout.columns, '        ')),
  ];
}

/**
 * What a command needs that does not run here: a resource it names (by physical name, URL or ARN) that the local
 * cloud could not run, with the reason.
 */
function notRunHere(stack: DeployedStack, command: string): string | undefined {
  const resource = stack.resources.find(
    (candidate) =>
      candidate.status === 'unsupported' &&
      candidate.physicalId !== undefined &&
      candidate.physicalId.length >= 8 &&
      command.includes(candidate.physicalId),
  );
  if (!resource) return undefined;
  return `${resource.type} ${resource.logicalId}, which does not run here${resource.detail ? `: ${resource.detail}` : ''}`;
}

/** `aws dynamodb get-item`, `curl`: how a command is named in a sentence. */
function commandName(command: string): string {
  const words = command.split(' ').filter((word) => !word.startsWith('--') && !word.startsWith('http'));
  return words[0] === 'aws' ? words.slice(0, 3).join(' ') : (words[0] ?? command);
}

/** Adds `--endpoint-url` to every `aws` command in a shell line. */
export function pointAtEndpoint(line: string, endpoint: string): string {
  return line.replace(AWS_COMMAND, `$1aws --endpoint-url ${endpoint} `);
}

import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { descriptors } from './integrations.ts';

/**
 * The whole app: one stack per integration, every stack checked against cdk-nag's AwsSolutions rules. Findings are
 * fixed or acknowledged (with a reason) in the construct where they arise, so synth fails on any new one.
 */
export function createApp(props: AppProps = {}): App {
  const app = new App(props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  for (const { stackId, createStack } of descriptors) createStack(app, stackId);
  return app;
}

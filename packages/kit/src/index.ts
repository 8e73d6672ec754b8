export { type AlarmOptions, TriggerAlarms } from './alarms.ts';
export { TriggerFunction, type TriggerFunctionProps } from './function.ts';

/**
 * The order to create a template's resources in: each after every resource it refers to (Ref, Fn::GetAtt,
 * Fn::Sub) or names in DependsOn, otherwise in template order.
 */
import type { CfnResource } from '../assembly.ts';
import { LocalCloudError } from '../errors.ts';

/** Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub (parameters and pseudo parameters included). */
export function referencesOf(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesOf(item, found);
    return found;
  }
  if (typeof value !== 'object' || value === null) return found;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'Ref' && typeof item === 'string') found.add(item);
    else if (key === 'Fn::GetAtt') {
      const target =
        typeof item === 'string' ? item.split('.')[0] : Array.isArray(item) ? item[0] : undefined;
      if (typeof target === 'string') found.add(target);
      referencesOf(item, found);
    } else if (key === 'Fn::Sub') {
      const [text, variables] = Array.isArray(item) ? item : [item, {}];
      const own = new Set(Object.keys(typeof variables === 'object' && variables !== null ? variables : {}));
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = (match[1] ?? '').trim().split('.')[0] ?? '';
          if (!own.has(name)) found.add(name);
        }
      }
      referencesOf(variables, found);
    } else referencesOf(item, found);
  }
  return found;
}

/** The resources `resource` must be created after. */
export function dependenciesOf(
  logicalId: string,
  resource: CfnResource,
  resources: Readonly<Record<string, CfnResource>>,
): string[] {
  const explicit = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  for (const dependency of explicit) {
    if (!(dependency in resources)) {
      throw new LocalCloudError(`${logicalId} DependsOn ${dependency}, which the template does not define.`);
    }
  }
  const implicit = [...referencesOf(resource.Properties)].filter((id) => id in resources);
  return [...new Set([...explicit, ...implicit])];
}

/** Logical ids in creation order; a cycle is a LocalCloudError naming the resources in it. */
export function deploymentOrder(resources: Readonly<Record<string, CfnResource>>): string[] {
  const ordered: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (logicalId: string): void => {
    if (done.has(logicalId)) return;
    const start = path.indexOf(logicalId);
    if (start >= 0) {
      const cycle = [...path.slice(start), logicalId].join(' → ');
      throw new LocalCloudError(`Resources depend on each other in a cycle: ${cycle}.`);
    }
    path.push(logicalId);
    for (const dependency of dependenciesOf(logicalId, resources[logicalId] as CfnResource, resources)) {
      visit(dependency);
    }
    path.pop();
    done.add(logicalId);
    ordered.push(logicalId);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId);
  return ordered;
}

import { ConnectionPreferencesResourceProperties, RESOURCE_TYPE } from '../lib/resource-properties';

/**
 * The ConnectionPreferences of a CloudFormation template, read as CloudFormation would pass their properties to the
 * handler: for plan and the local deploy (a synthesized or deployed template) and for the monitor (its stack's
 * deployed template, whose intrinsic functions it then resolves).
 */

/** The construct path of a template's resource (from its aws:cdk:path metadata), or its logical id. */
export function constructPathOf(template: any, logicalId: string): string {
  return String(template.Resources[logicalId].Metadata?.['aws:cdk:path'] ?? logicalId).replace(/\/Resource\/Default$/, '');
}

/** The sections of a CloudFormation template: one without any (`{}`) is not a template but a broken file. */
const TEMPLATE_SECTIONS = ['Resources', 'Parameters', 'Rules', 'Outputs', 'Conditions', 'Mappings', 'Transform', 'Metadata', 'AWSTemplateFormatVersion'];

/**
 * The properties of a template's ConnectionPreferences by logical id, without the ServiceToken, with every scalar a
 * string as CloudFormation passes them to the handler (a YAML or hand-written template may hold numbers); none for
 * no template. Throws with what is wrong (after "the template", for the caller to name it) when it is not one.
 */
export function resourcesOfType(template: any): Record<string, ConnectionPreferencesResourceProperties> {
  // No template: a stack that left the app (the local deploy asks), which declares nothing.
  if (template === undefined) return {};
  if (typeof template !== 'object' || template === null || Array.isArray(template)) throw new Error('is not a CloudFormation template (not an object)');
  if (!TEMPLATE_SECTIONS.some((section) => section in template)) throw new Error(`is not a CloudFormation template (none of ${TEMPLATE_SECTIONS.join(', ')})`);
  const resources = template.Resources ?? {};
  if (typeof resources !== 'object' || Array.isArray(resources)) throw new Error('is not a CloudFormation template (its Resources are not a mapping)');
  const found: Record<string, ConnectionPreferencesResourceProperties> = {};
  for (const [logicalId, resource] of Object.entries<any>(resources)) {
    if (typeof resource?.Type !== 'string') throw new Error(`is not a CloudFormation template (resource ${logicalId} has no Type)`);
    if (resource.Type !== RESOURCE_TYPE) continue;
    if (typeof resource.Properties !== 'object' || resource.Properties === null || Array.isArray(resource.Properties)) {
      throw new Error(`declares ${logicalId} (${RESOURCE_TYPE}) without Properties`);
    }
    const { ServiceToken: _serviceToken, ...properties } = resource.Properties;
    found[logicalId] = asCloudFormationPassesThem(properties);
  }
  return found;
}

/** Every scalar a string, as CloudFormation passes a custom resource's properties. */
function asCloudFormationPassesThem(value: any): any {
  if (Array.isArray(value)) return value.map(asCloudFormationPassesThem);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asCloudFormationPassesThem(v)]));
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

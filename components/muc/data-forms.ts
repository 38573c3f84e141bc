// XEP-0004 data forms as the MUC forms use them: building fields and reading a submitted form.
import { NS_DATA } from './namespaces.js';
import { xml, type XmlElement } from './xml.js';

export type FieldType = 'boolean' | 'hidden' | 'list-single' | 'text-private' | 'text-single' | 'jid-single' | 'jid-multi' | 'fixed';

export interface FieldSpec {
  var: string;
  type: FieldType;
  label?: string;
  value: string | string[];
  options?: Array<{ label: string; value: string }>;
}

export function formField(spec: FieldSpec): XmlElement {
  const values = Array.isArray(spec.value) ? spec.value : [spec.value];
  return xml(
    'field',
    { var: spec.var, type: spec.type, label: spec.label },
    values.map((v) => xml('value', {}, v)),
    (spec.options ?? []).map((o) => xml('option', { label: o.label }, xml('value', {}, o.value))),
  );
}

export function dataForm(type: 'form' | 'result', formType: string, title: string | undefined, fields: FieldSpec[]): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA, type },
    title ? xml('title', {}, title) : null,
    formField({ var: 'FORM_TYPE', type: 'hidden', value: formType }),
    fields.map(formField),
  );
}

/** The submitted values by var (a missing field is absent from the map). */
export function submittedValues(form: XmlElement): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const field of form.getChildren('field')) {
    if (field.attrs.var) values.set(field.attrs.var, field.getChildren('value').map((v) => v.getText()));
  }
  return values;
}

export function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return undefined;
}

export const bool = (b: boolean) => (b ? '1' : '0');

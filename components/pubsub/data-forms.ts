// XEP-0004 data forms, as far as PubSub uses them: read a submitted form's values by field var,
// and build forms from field descriptions.
import { NS_DATA_FORMS } from './namespaces.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

export interface SubmittedForm {
  type: string;
  /** The hidden FORM_TYPE value, if any. */
  formType: string | undefined;
  /** Values by field var (FORM_TYPE excluded). */
  fields: Map<string, string[]>;
}

export interface FormField {
  var: string;
  type?: 'boolean' | 'hidden' | 'jid-single' | 'list-multi' | 'list-single' | 'text-multi' | 'text-single' | 'fixed';
  label?: string;
  values: string[];
  options?: string[];
}

/** The <x xmlns='jabber:x:data'/> child of `parent`, parsed; undefined when there is none. */
export function readForm(parent: XmlElement | undefined): SubmittedForm | undefined {
  const x = parent?.getChild('x', NS_DATA_FORMS);
  if (!x) return undefined;
  const fields = new Map<string, string[]>();
  let formType: string | undefined;
  for (const field of x.getChildren('field')) {
    const name = field.attrs.var;
    if (!name) continue;
    const values = field.getChildren('value').map((v) => v.getText());
    if (name === 'FORM_TYPE') formType = values[0];
    else fields.set(name, values);
  }
  return { type: x.attrs.type ?? 'form', formType, fields };
}

export function buildForm(type: 'form' | 'submit' | 'result', formType: string, fields: FormField[], title?: string): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA_FORMS, type },
    title ? xml('title', {}, title) : null,
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)),
    fields.map((f) =>
      xml(
        'field',
        { var: f.var, type: f.type, label: f.label },
        (f.options ?? []).map((o) => xml('option', {}, xml('value', {}, o))),
        f.values.map((v) => xml('value', {}, v)),
      ),
    ),
  );
}

/** XEP-0004 §3.3 boolean: '1'/'true' and '0'/'false'; undefined for anything else. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

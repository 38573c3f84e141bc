// What goes over the wire for XEP-0077 registration: the fields a client is asked for (the legacy
// <username/><password/>, or with a CAPTCHA the XEP-0158 §4 data form inside the query with a
// XEP-0221 media element and the image as XEP-0231 bits of binary), and what it submitted.
import { Element } from 'ltx';
import { NS } from '../../shared/xml/namespaces.js';
import { captchaWidth, CAPTCHA_HEIGHT } from './captcha-image.js';
import type { Challenge } from './challenge-store.js';

const INSTRUCTIONS = 'Choose a username and password for use with this service.';

/** XEP-0077 §3.1 example 2: the legacy fields of open registration. */
export function openRegistrationQuery(): Element {
  const query = new Element('query', { xmlns: NS.register });
  query.c('instructions').t(INSTRUCTIONS);
  query.c('username');
  query.c('password');
  return query;
}

/** XEP-0158 §4: the registration fields and the CAPTCHA in one form; `sid` is the id of the asking IQ. */
export function captchaRegistrationQuery(challenge: Challenge, domain: string, sid: string | undefined): Element {
  const query = new Element('query', { xmlns: NS.register });
  const answer = challenge.ocr && challenge.qa ? 'the text in the image or the question' : challenge.ocr ? 'the text in the image' : 'the question';
  query.c('instructions').t(`${INSTRUCTIONS} Then answer ${answer}.`);
  const form = query.c('x', { xmlns: NS.dataForms, type: 'form' });
  form.c('title').t('Account registration');
  hidden(form, 'FORM_TYPE', NS.captcha);
  hidden(form, 'from', domain);
  hidden(form, 'challenge', challenge.id);
  if (sid) hidden(form, 'sid', sid);
  hidden(form, 'answers', '1');
  const required = (field: Element) => field.c('required').up();
  const username = form.c('field', { var: 'username', type: 'text-single', label: 'Username' });
  required(username);
  required(form.c('field', { var: 'password', type: 'text-private', label: 'Password' }));
  if (challenge.ocr) {
    const ocr = form.c('field', { var: 'ocr', type: 'text-single', label: 'Enter the text you see' });
    if (!challenge.qa) required(ocr);
    ocr.c('media', { xmlns: NS.mediaElement, width: String(captchaWidth(challenge.ocr.answer.length)), height: String(CAPTCHA_HEIGHT) })
      .c('uri', { type: 'image/png' }).t(`cid:${challenge.ocr.cid}`);
  }
  if (challenge.qa) {
    const qa = form.c('field', { var: 'qa', type: 'text-single', label: challenge.qa.question });
    if (!challenge.ocr) required(qa);
  }
  if (challenge.ocr) query.cnode(bobData(challenge.ocr.cid, challenge.ocr.png));
  return query;
}

/** XEP-0231 §2: the data itself; max-age 0, a challenge image is not to be cached. */
export function bobData(cid: string, png: Buffer): Element {
  return new Element('data', { xmlns: NS.bob, cid, type: 'image/png', 'max-age': '0' }).t(png.toString('base64'));
}

function hidden(form: Element, name: string, value: string): void {
  form.c('field', { var: name, type: 'hidden' }).c('value').t(value);
}

export type Submission =
  | { kind: 'remove' }
  | { kind: 'register'; username: string | undefined; password: string | undefined; fields: Map<string, string> };

/** XEP-0077 §3.1 and §4: the legacy fields or a submitted data form (which wins when both are there). */
export function parseSubmission(query: Element): Submission {
  if (query.getChild('remove')) return { kind: 'remove' };
  const fields = new Map<string, string>();
  const form = query.getChildren('x').find((x) => x.attrs.xmlns === NS.dataForms && x.attrs.type === 'submit');
  if (form) {
    for (const field of form.getChildren('field')) {
      const name: string | undefined = field.attrs.var;
      if (name && !fields.has(name)) fields.set(name, field.getChildText('value') ?? '');
    }
  } else {
    for (const child of query.getChildElements()) if (child.attrs.xmlns === undefined || child.attrs.xmlns === NS.register) fields.set(child.name, child.getText());
  }
  return { kind: 'register', username: fields.get('username'), password: fields.get('password'), fields };
}

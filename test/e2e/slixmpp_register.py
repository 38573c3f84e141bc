"""In-band registration with slixmpp's xep_0077 plugin (Debian's python3-slixmpp), for
test/e2e/registration.test.ts.

slixmpp has no XEP-0158 plugin, so this reads the CAPTCHA fields of the registration form itself:
the media element's cid: URI and the XEP-0231 <data/> carried in the same IQ (checked against
the cid's SHA-1), and answers either the image (its text given as ANSWER, `ocr:TEXT`) or the
text question (`qa`: the sum or difference asked for, computed here). Then it signs in with the
new account on the same stream. Prints one JSON line with what it saw.
"""
import asyncio, base64, hashlib, json, logging, re, ssl, sys
import slixmpp

jid, password, port, answer = sys.argv[1:5]
import os
logging.basicConfig(level=logging.DEBUG if os.environ.get('SLIX_LOG') else logging.ERROR, filename=os.environ.get('SLIX_LOG'))
WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
BOB = '{urn:xmpp:bob}data'
MEDIA_URI = '{urn:xmpp:media-element}media/{urn:xmpp:media-element}uri'


def solve(question):
    m = re.match(r'What is (\w+) (plus|minus) (\w+)\?', question or '')
    if not m:
        return ''
    a, b = WORDS.index(m.group(1)), WORDS.index(m.group(3))
    return str(a + b if m.group(2) == 'plus' else a - b)


class Registrar(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        for plugin in ('xep_0004', 'xep_0066', 'xep_0077', 'xep_0221', 'xep_0231'):
            self.register_plugin(plugin)
        # slixmpp 1.8 queues every stanza until a session starts, the registration IQs too
        # (they are sent before authentication): let them through.
        self._always_send_everything = True
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.result = {'form': None, 'registered': False, 'error': None, 'bound': None}
        self.add_event_handler('register', self.on_register)
        self.add_event_handler('session_start', self.on_session)
        self.add_event_handler('failed_all_auth', lambda *_: self.finish())
        self.done = asyncio.get_event_loop().create_future()

    async def on_register(self, iq):
        try:
            await self.answer_form(iq)
        except Exception as e:  # reported, not swallowed by slixmpp's event loop
            self.result['exception'] = repr(e)
            self.finish()

    async def answer_form(self, iq):
        query = iq['register']
        form = query['form']
        fields = {name: field for name, field in form.get_fields().items()}
        form_type = fields['FORM_TYPE'].get_value() if 'FORM_TYPE' in fields else None
        seen = {'vars': sorted(fields), 'formType': form_type[0] if isinstance(form_type, list) else form_type}
        ocr_field = query.xml.find('{jabber:x:data}x/{jabber:x:data}field[@var="ocr"]')
        if ocr_field is not None:
            uri = ocr_field.find(MEDIA_URI)
            cid = uri.text.strip()[4:] if uri is not None and uri.text.strip().startswith('cid:') else None
            data = iq.xml.find('.//' + BOB)
            png = base64.b64decode(data.text) if data is not None else b''
            seen.update({
                'mediaType': uri.get('type') if uri is not None else None,
                'bobMatchesCid': data is not None and data.get('cid') == cid and cid == 'sha1+%s@bob.xmpp.org' % hashlib.sha1(png).hexdigest(),
                'isPng': png[:8] == b'\x89PNG\r\n\x1a\n',
            })
        if 'qa' in fields:
            seen['question'] = fields['qa']['label']
        self.result['form'] = seen

        submit = self['xep_0004'].make_form(ftype='submit')
        for name in ('FORM_TYPE', 'challenge', 'from', 'sid'):
            if name in fields:
                submit.add_field(var=name, value=fields[name].get_value())
        submit.add_field(var='username', value=self.boundjid.user)
        submit.add_field(var='password', value=self.password)
        if answer.startswith('ocr:'):
            submit.add_field(var='ocr', value=answer[4:])
        elif answer == 'qa':
            submit.add_field(var='qa', value=solve(seen.get('question')))
        resp = self.Iq()
        resp['type'] = 'set'
        resp['register'].append(submit)
        try:
            await resp.send(timeout=10)
            self.result['registered'] = True
        except slixmpp.exceptions.IqError as e:
            self.result['error'] = e.iq['error']['condition']
            self.finish()

    async def on_session(self, _):
        self.result['bound'] = str(self.boundjid)
        self.finish()

    def finish(self):
        if not self.done.done():
            self.done.set_result(True)


async def main():
    xmpp = Registrar()
    xmpp.connect(('127.0.0.1', int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 20)
    except asyncio.TimeoutError:
        xmpp.result['timeout'] = True
    xmpp.disconnect()
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())

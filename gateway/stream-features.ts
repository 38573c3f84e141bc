// <stream:features/> for each stage of the c2s stream (RFC 6120 §4.3.2).
import { Element } from 'ltx';
import type { Router } from '../shared/router/router.js';
import { capsElement, capsVersion } from '../shared/router/features/caps.js';
import { serverCaps2 } from '../shared/router/features/caps2.js';
import { NS } from '../shared/xml/namespaces.js';
import { mechanismsElement, type Mechanism } from './sasl-negotiation.js';
import { sasl2Feature } from './sasl2-negotiation.js';

export interface FeatureStage {
  /** `bound`: after a SASL2 success that bound a resource (XEP-0388 §2.6.1: features follow, no restart). */
  phase: 'auth' | 'bind' | 'bound';
  offerStartTls: boolean;
  tlsRequired: boolean;
  mechanisms: Mechanism[];
  router: Router;
  /** WebSocket and BOSH: each element is its own document, so the `stream` prefix is declared. */
  declareStreamPrefix?: boolean;
  /** XEP-0198 is offered (TCP/TLS and WebSocket when configured). */
  streamManagement?: boolean;
  /** XEP-0388 SASL2 (with XEP-0386 Bind 2) is offered; `fast`: XEP-0484 too. */
  sasl2?: { fast: boolean };
  /** XEP-0077 §8: in-band registration is offered (registration.mode open or captcha). */
  register?: boolean;
}

/** Features depend on few inputs, so their serialisation is cached (one string per stage). */
const cache = new Map<string, string>();

export function streamFeatures(stage: FeatureStage): string {
  const key = `${stage.declareStreamPrefix === true}|${stage.streamManagement === true}|${stage.register === true}|${stage.sasl2 ? `sasl2${stage.sasl2.fast}` : ''}|${stage.phase}|${stage.offerStartTls}|${stage.tlsRequired}|${stage.mechanisms.join(',')}|${stage.phase !== 'auth' ? capsVersion(stage.router) : ''}`;
  let xml = cache.get(key);
  if (xml === undefined) {
    xml = buildFeatures(stage);
    if (cache.size > 64) cache.clear();
    cache.set(key, xml);
  }
  return xml;
}

function buildFeatures(stage: FeatureStage): string {
  const features = new Element('stream:features', stage.declareStreamPrefix ? { 'xmlns:stream': NS.stream } : {});
  if (stage.phase === 'auth') {
    if (stage.offerStartTls) {
      const starttls = features.c('starttls', { xmlns: NS.tls });
      if (stage.tlsRequired) starttls.c('required');
    }
    // While TLS is mandatory and not done yet, SASL is not offered (RFC 6120 §5.3.1).
    if (!stage.tlsRequired) features.cnode(mechanismsElement(stage.mechanisms));
    if (!stage.tlsRequired && stage.sasl2) features.cnode(sasl2Feature(stage.mechanisms, { fast: stage.sasl2.fast, streamManagement: stage.streamManagement === true }));
    if (!stage.tlsRequired && stage.register) features.c('register', { xmlns: NS.registerFeature });
  } else {
    if (stage.phase === 'bind') {
      features.c('bind', { xmlns: NS.bind });
      features.c('session', { xmlns: NS.session }).c('optional');
    }
    features.c('ver', { xmlns: NS.rosterVersioning });
    features.c('sub', { xmlns: NS.preApproval });
    // XEP-0198 §2: offered once authenticated (<enable/> after bind, <resume/> instead of bind).
    if (stage.streamManagement) features.c('sm', { xmlns: NS.sm });
    features.c('csi', { xmlns: NS.csi }); // XEP-0352 §3
    features.cnode(capsElement(stage.router));
    const caps2 = serverCaps2(stage.router).c; // XEP-0390 §5.2, next to XEP-0115
    if (caps2) features.cnode(caps2);
  }
  return features.toString();
}

// <stream:features/> for each stage of the c2s stream (RFC 6120 §4.3.2).
import { Element } from 'ltx';
import type { Router } from '../shared/router/router.js';
import { capsElement } from '../shared/router/features/caps.js';
import { NS } from '../shared/xml/namespaces.js';
import { mechanismsElement, type Mechanism } from './sasl-negotiation.js';

export interface FeatureStage {
  phase: 'auth' | 'bind';
  offerStartTls: boolean;
  tlsRequired: boolean;
  mechanisms: Mechanism[];
  router: Router;
  /** WebSocket and BOSH: each element is its own document, so the `stream` prefix is declared. */
  declareStreamPrefix?: boolean;
  /** XEP-0198 is offered (TCP/TLS and WebSocket when configured). */
  streamManagement?: boolean;
}

/** Features depend on few inputs, so their serialisation is cached (one string per stage). */
const cache = new Map<string, string>();

export function streamFeatures(stage: FeatureStage): string {
  const key = `${stage.declareStreamPrefix === true}|${stage.streamManagement === true}|${stage.phase}|${stage.offerStartTls}|${stage.tlsRequired}|${stage.mechanisms.join(',')}|${stage.phase === 'bind' ? capsElement(stage.router).attrs.ver : ''}`;
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
  } else {
    features.c('bind', { xmlns: NS.bind });
    features.c('session', { xmlns: NS.session }).c('optional');
    features.c('ver', { xmlns: NS.rosterVersioning });
    features.c('sub', { xmlns: NS.preApproval });
    // XEP-0198 §2: offered once authenticated (<enable/> after bind, <resume/> instead of bind).
    if (stage.streamManagement) features.c('sm', { xmlns: NS.sm });
    features.c('csi', { xmlns: NS.csi }); // XEP-0352 §3
    features.cnode(capsElement(stage.router));
  }
  return features.toString();
}

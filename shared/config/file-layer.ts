// Reads the config file (YAML, or JSON which YAML 1.2 also parses) into a layer. Every message
// names the file and, where the parser knows it, the line: "pampero.yaml:4: c2s.port: …".
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { emptyLayer, type Layer } from './layer.js';
import { objectLayer } from './object-layer.js';

/** Line of every key in the file ("c2s", "c2s.port", "storage.scylla.keyspace"), for messages. */
function keyLines(contents: unknown, lineCounter: LineCounter, prefix = '', lines = new Map<string, number>()): Map<string, number> {
  if (!isMap(contents)) return lines;
  for (const item of contents.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const dotted = `${prefix}${String(item.key.value)}`;
    if (item.key.range) lines.set(dotted, lineCounter.linePos(item.key.range[0]).line);
    keyLines(item.value, lineCounter, `${dotted}.`, lines); // sections nest (storage.scylla.keyspace)
  }
  return lines;
}

export function fileLayer(file: string): Layer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const layer = emptyLayer();
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    layer.problems.push(`${file}: cannot read the config file: ${reason}`);
    return layer;
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const layer = emptyLayer();
    for (const error of doc.errors) {
      // prettyErrors appends a source excerpt on the following lines: keep the first line only.
      const message = error.message.split('\n')[0].replace(/:$/, '');
      layer.problems.push(`${file}: syntax error: ${message}`);
    }
    return layer;
  }

  let settings: unknown;
  try {
    settings = doc.toJS(); // throws on alias bombs ("excessive alias count")
  } catch (err) {
    const layer = emptyLayer();
    layer.problems.push(`${file}: cannot read the config file: ${(err as Error).message.split('\n')[0]}`);
    return layer;
  }
  const lines = keyLines(doc.contents, lineCounter);
  return objectLayer(settings, (key) => {
    const line = lines.get(key);
    return line === undefined ? file : `${file}:${line}`;
  });
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertKeyspaceName, keyspaceStatement, TABLE_NAMES, tableStatements } from './schema.js';
import { scyllaStatements } from './statements.js';

const schemaFile = readFileSync(fileURLToPath(new URL('../../../deploy/scylla/schema.cql', import.meta.url)), 'utf8');

describe('ScyllaDB schema', () => {
  test('deploy/scylla/schema.cql holds exactly the tables the adapter creates', () => {
    for (const statement of tableStatements('pampero')) expect(schemaFile).toContain(`${statement};`);
    expect(schemaFile.match(/CREATE TABLE/g)).toHaveLength(TABLE_NAMES.length);
    expect(schemaFile).toContain("CREATE KEYSPACE IF NOT EXISTS pampero\n  WITH replication = {'class': 'NetworkTopologyStrategy'");
  });

  test('every table is created, and every statement names a table of the keyspace', () => {
    const created = tableStatements('ks').map((s) => /CREATE TABLE IF NOT EXISTS ks\.(\w+)/.exec(s)?.[1]);
    expect(created).toEqual([...TABLE_NAMES]);
    for (const query of Object.values(scyllaStatements('ks'))) {
      const table = /(?:FROM|INTO|UPDATE) ks\.(\w+)/.exec(query)?.[1];
      expect(TABLE_NAMES).toContain(table);
    }
  });

  test('the development keyspace: local data center, quoted; tablets off only when asked', () => {
    expect(keyspaceStatement('ks', "dc'1", 3, true)).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc''1': 3} AND tablets = {'enabled': false}",
    );
    expect(keyspaceStatement('ks', 'dc1', 1, false)).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}",
    );
  });

  test('only plain lower-case keyspace names reach a statement', () => {
    expect(() => assertKeyspaceName('pampero_test_1')).not.toThrow();
    for (const bad of ['Pampero', '1abc', 'a;DROP', '', 'a'.repeat(49)]) expect(() => assertKeyspaceName(bad)).toThrow();
  });
});

import { UserResources } from './user-resources.js';

describe('UserResources', () => {
  test('one resource, then a second, then back to one and none', () => {
    const r = new UserResources<string | undefined>();
    r.set('a@x', 'a@x/1', 'k1');
    expect(r.has('a@x', 'a@x/1')).toBe(true);
    expect(r.get('a@x', 'a@x/1')).toBe('k1');
    expect(r.has('a@x', 'a@x/2')).toBe(false);
    r.set('a@x', 'a@x/1', undefined); // a new value for the same resource
    expect(r.get('a@x', 'a@x/1')).toBeUndefined();
    expect(r.has('a@x', 'a@x/1')).toBe(true);
    r.set('a@x', 'a@x/2', 'k2');
    expect(r.resourcesOf('a@x').sort()).toEqual(['a@x/1', 'a@x/2']);
    expect(r.get('a@x', 'a@x/2')).toBe('k2');
    expect(r.delete('a@x', 'a@x/1')).toBe(true);
    expect(r.delete('a@x', 'a@x/1')).toBe(false);
    expect(r.resourcesOf('a@x')).toEqual(['a@x/2']);
    expect(r.delete('a@x', 'a@x/2')).toBe(true);
    expect(r.resourcesOf('a@x')).toEqual([]);
  });

  test('removing an unknown resource leaves the user alone', () => {
    const r = new UserResources<number>();
    r.set('a@x', 'a@x/1', 1);
    expect(r.delete('a@x', 'a@x/9')).toBe(false);
    expect(r.delete('b@x', 'b@x/1')).toBe(false);
    expect(r.resourcesOf('a@x')).toEqual(['a@x/1']);
  });
});

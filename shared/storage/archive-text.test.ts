import { bodyText, matchesWords, searchWords } from './archive-text.js';

describe('archive full-text matching', () => {
  it('takes the body text of stored XML, unescaped', () => {
    expect(bodyText('<message to="a@b"><body xml:lang="en">fish &amp; chips &lt;3 &#x263A; &#65;</body></message>')).toBe('fish & chips <3 ☺ A');
    expect(bodyText('<message><subject>x</subject></message>')).toBe('');
    expect(bodyText('<message><body/></message>')).toBe('');
  });

  it('splits a search into distinct words without case or accents', () => {
    expect(searchWords('Crème BRÛLÉE, crème!')).toEqual(['creme', 'brulee']);
    expect(searchWords(' … ')).toEqual([]);
  });

  it('matches when every word is a whole word of the body', () => {
    const xml = '<message><body>Meet me at the Café, 10:30?</body></message>';
    expect(matchesWords(xml, ['cafe', 'meet'])).toBe(true);
    expect(matchesWords(xml, ['caf'])).toBe(false);
    expect(matchesWords(xml, ['cafe', 'tea'])).toBe(false);
    expect(matchesWords(xml, ['30'])).toBe(true);
    expect(matchesWords('<message><body>x</body></message>', [])).toBe(true);
  });
});

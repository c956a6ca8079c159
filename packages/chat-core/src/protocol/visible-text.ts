// What keeps a name, a room name or a message from hiding (issue #10, item 7).
// Display names follow the PRECIS nickname profile (RFC 8266 on the
// FreeformClass of RFC 8264) where it fits; docs/protocol.md lists where
// rgchat deviates and why. Messages are free text: only what is invisible
// on its own, or reorders its neighbours, is at issue there.

/**
 * Explicit directional embeddings, overrides and isolates (UAX #9): each
 * reorders everything up to its terminator or the end of the paragraph, so an
 * unterminated one reorders whatever a client shows next to it.
 */
const DIRECTIONAL_FORMATTING = /[\u202A-\u202E\u2066-\u2069]/gu;

/** Bidi_Control: the formatting characters above plus the marks LRM, RLM and ALM. */
const BIDI_CONTROL = /\p{Bidi_Control}/u;

/**
 * A code point a reader can see on its own: a letter, number, punctuation or
 * symbol that is not drawn blank, or one a font may draw (private use, or
 * assigned after this runtime's Unicode version, as a new emoji is).
 * Default-ignorable code points include the Hangul fillers U+115F, U+1160,
 * U+3164 and U+FFA0, which are letters by category but show nothing;
 * U+2800 BRAILLE PATTERN BLANK and U+1D159 MUSICAL SYMBOL NULL NOTEHEAD are
 * symbols drawn as blank space.
 */
const VISIBLE =
  /(?![\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u2800\u{1D159}])[\p{L}\p{N}\p{P}\p{S}\p{Co}\p{Cn}]/u;

/**
 * A subdivision flag (UTS #51 emoji tag sequence: black flag, a CLDR
 * subdivision id of 3 to 7 tag letters or digits, cancel tag), e.g. Scotland.
 * The only live use of tag characters: anywhere else they are invisible ASCII.
 */
const FLAG = String.raw`\u{1F3F4}\uFE0F?[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{3,7}\u{E007F}`;
const FLAG_TAG_SEQUENCE = new RegExp(FLAG, 'gu');
const FLAG_TAG_SEQUENCE_OR_TAG = new RegExp(String.raw`(${FLAG})|[\u{E0000}-\u{E007F}]`, 'gu');

/**
 * Scripts whose letters join (Arabic-style cursive), where ZWNJ and ZWJ choose
 * between joined and separate forms (RFC 5892 Appendix A.1 asks for the
 * Joining_Type property, which JS regexes cannot read; these are its scripts).
 */
const JOINING = String.raw`\p{sc=Arab}\p{sc=Syrc}\p{sc=Nkoo}\p{sc=Mong}\p{sc=Mand}\p{sc=Mani}\p{sc=Phlp}\p{sc=Adlm}\p{sc=Rohg}\p{sc=Sogd}\p{sc=Ougr}\p{sc=Phag}`;

/**
 * ZWNJ/ZWJ where they change what is drawn, so they hide nothing: ZWJ inside
 * an emoji ZWJ sequence; either after a nonspacing or spacing mark other than
 * a variation selector, standing in for RFC 5892's "after a virama" (Indic
 * conjuncts; JS regexes cannot read the combining class); either between two
 * letters of a joining script (Persian words). Between Latin letters, say, a joiner changes nothing visible and
 * would make "al\u200Dice" a second "alice".
 */
const JOINER_IN_CONTEXT = new RegExp(
  String.raw`(?<=\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})` +
    String.raw`|(?<=[\p{Mn}\p{Mc}])(?<!\p{Variation_Selector})[\u200C\u200D]` +
    String.raw`|(?<=[${JOINING}]\p{M}*)[\u200C\u200D](?=\p{M}*[${JOINING}])`,
  'gu',
);

/**
 * Variation selectors after a character they have variants for: text or emoji
 * presentation (U+FE0E/U+FE0F) after an emoji character, standardized and
 * ideographic variants after an ideograph or a math symbol, free variation
 * selectors after a Mongolian letter. Anywhere else they draw nothing.
 */
const SELECTOR_IN_CONTEXT =
  /(?<=\p{Emoji})[\uFE0E\uFE0F]|(?<=[\p{Ideographic}\p{Sm}])[\uFE00-\uFE0D\u{E0100}-\u{E01EF}]|(?<=\p{sc=Mong})[\u180B-\u180D\u180F]/gu;

/** Anything in a display name that draws nothing, once the in-context uses above are set aside. */
const HIDDEN_IN_NAME =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u2800\u{1D159}]/u;
const PRIVATE_OR_UNASSIGNED = /[\p{Co}\p{Cn}]/u;
const LEADING_MARK = /^\p{M}/u;

/** True when at least one code point of `s` is visible on its own (see VISIBLE). */
export const hasVisibleCharacter = (s: string): boolean => VISIBLE.test(s);

/**
 * Message text without what can hide or reorder it: explicit directional
 * embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), and tag
 * characters outside a subdivision flag. Kept: LRM/RLM/ALM, joiners, variation
 * selectors, combining marks and everything else.
 */
export const stripHiddenFormatting = (s: string): string =>
  s.replace(DIRECTIONAL_FORMATTING, '').replace(FLAG_TAG_SEQUENCE_OR_TAG, (_all, flag: string | undefined) => flag ?? '');

/**
 * Why `s` cannot be a display name (a user's name or a room's name), as the
 * end of a sentence ("cannot contain ..."), or undefined when it can. Expects
 * the prepared form: well-formed, NFKC, spaces already handled by the caller.
 * Refuses bidi controls, invisible code points (controls, format characters,
 * default-ignorables, blank glyphs) except joiners and variation selectors in
 * context and subdivision flags, private-use and unassigned code points, a
 * leading combining mark, and text with nothing visible.
 */
export function displayNameProblem(s: string): string | undefined {
  if (BIDI_CONTROL.test(s)) return 'cannot contain bidirectional control characters.';
  const bare = s.replace(FLAG_TAG_SEQUENCE, '\u{1F3F4}').replace(JOINER_IN_CONTEXT, '').replace(SELECTOR_IN_CONTEXT, '');
  if (HIDDEN_IN_NAME.test(bare)) return 'cannot contain invisible characters.';
  if (PRIVATE_OR_UNASSIGNED.test(bare)) return 'cannot contain private-use or unassigned characters.';
  if (LEADING_MARK.test(s)) return 'cannot start with a combining mark.';
  if (!hasVisibleCharacter(s)) return 'must contain a visible character.';
  return undefined;
}

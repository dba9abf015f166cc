//! # marsad-text: the Arabic text layer
//!
//! **In:** an article's raw text (`&str`, any Arabic script in UTF-8).
//! **Out:** a [`Doc`]: tokens with byte offsets into the original text and a *matching form*
//! (`norm`), sentences and clauses.
//!
//! The matching form folds what Arabic writers vary freely: diacritics and tatweel are dropped,
//! alef/hamza seats become ا/و/ي, ى becomes ي, ة becomes ه, Arabic-Indic and Persian digits become
//! ASCII, Persian ک/ی become ك/ي, Latin is lower-cased. Transliteration variants such as
//! توكاييف/توكايف are not folded here (that would merge كييف "Kyiv" with كيف "how"); the
//! knowledge base generates them for foreign names with [`collapse_doubles`].
//! Proclitics and enclitics are *not* cut here: [`PROCLITICS`] and [`ENCLITICS`] list them and
//! the matchers in `marsad-kb` accept them around a dictionary form.
//!
//! **Must not:** know any dictionary, allocate per character in hot loops beyond the token's own
//! `norm`, or lose the mapping back to the original text: every token keeps its byte span.

use std::ops::Range;

/// Proclitic sequences accepted before a name or a noun (conjunction + preposition).
pub const PROCLITICS: &[&str] = &["", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك"];
/// Proclitic sequences accepted before a verb (adds the future سـ and لـ of purpose).
pub const VERB_PROCLITICS: &[&str] = &["", "و", "ف", "ل", "ول", "فل", "س", "وس", "فس"];
/// Pronoun enclitics in matching form (ة is already ه, so زيارته is زيارت + ه).
pub const ENCLITICS: &[&str] = &["ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "نا", "ي"];

/// What [`fold_char`] makes of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Dropped from the matching form (diacritic, tatweel, zero-width mark).
    Drop,
    Char(char),
}

/// The matching form of one character.
pub fn fold_char(c: char) -> Fold {
    // fast path: the plain Arabic letters and ASCII that make up most text
    if matches!(c, 'ا' | 'ب' | 'ت'..='غ' | 'ف'..='ه' | 'و' | 'ي' | 'ء' | 'a'..='z' | '0'..='9' | ' ') {
        return Fold::Char(c);
    }
    match c {
        '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' => Fold::Drop,
        '\u{0640}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{00AD}' => Fold::Drop,
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => Fold::Char('ا'),
        'ى' | 'ئ' | 'ی' | 'ې' | 'ۍ' => Fold::Char('ي'),
        'ة' | 'ۀ' | 'ە' => Fold::Char('ه'),
        'ؤ' => Fold::Char('و'),
        'ک' => Fold::Char('ك'),
        'ڤ' => Fold::Char('ف'),
        'گ' => Fold::Char('ك'),
        '٠'..='٩' => Fold::Char(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
        '۰'..='۹' => Fold::Char(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}' => Fold::Char(' '),
        '٪' => Fold::Char('%'),
        c if c.is_ascii_uppercase() => Fold::Char(c.to_ascii_lowercase()),
        c => Fold::Char(c),
    }
}

/// True for letters of the Arabic script (after folding).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{066E}'..='\u{066F}' | '\u{0671}'..='\u{06D3}' | '\u{06FA}'..='\u{06FC}')
}

/// Collapses ي ي and و و runs (توكاييف → توكايف): a spelling variant of transliterated names.
pub fn collapse_doubles(s: &mut String) {
    if !(s.contains("يي") || s.contains("وو")) {
        return;
    }
    let mut out = String::with_capacity(s.len());
    push_collapsed(&mut out, s);
    *s = out;
}

/// Appends `s` to `out` with ي ي and و و runs collapsed, as [`collapse_doubles`].
pub fn push_collapsed(out: &mut String, s: &str) {
    // يي or وو: D9 8A D9 8A, D9 88 D9 88 (0xD9 is never a continuation byte)
    let doubled = s.as_bytes().windows(4).any(|w| w[0] == 0xD9 && w[2] == 0xD9 && w[1] == w[3] && (w[1] == 0x8A || w[1] == 0x88));
    if !doubled {
        out.push_str(s);
        return;
    }
    let mut prev = '\0';
    for c in s.chars() {
        if (c == 'ي' || c == 'و') && c == prev {
            continue;
        }
        out.push(c);
        prev = c;
    }
}

/// The matching form of a whole string: each word folded as tokens are, single spaces between
/// tokens, punctuation kept as its own token. Dictionary entries go through this same function,
/// so an entry and the text it should find always agree.
pub fn normalize(s: &str) -> String {
    // fast path for what dictionaries hold: Arabic words separated by spaces
    let mut out = String::with_capacity(s.len());
    let mut simple = true;
    let mut pending_space = false;
    for c in s.chars() {
        match fold_char(c) {
            Fold::Drop => {}
            Fold::Char(' ' | '\t') => pending_space = !out.is_empty(),
            Fold::Char(f) if is_arabic_letter(f) => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(f);
            }
            Fold::Char(_) => {
                simple = false;
                break;
            }
        }
    }
    if simple {
        return out;
    }
    let doc = tokenize(s);
    out.clear();
    for t in &doc {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.norm);
    }
    out
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of Arabic letters.
    Word,
    /// Digits, possibly with a decimal point; `norm` is canonical (`7,591` → `7591`, `8,95`/`8٫95` → `8.95`).
    Number,
    /// A run of Latin letters and digits (lower-cased in `norm`).
    Latin,
    /// One punctuation or symbol character.
    Punct,
}

/// A token's matching form: a string that derefs to `str` and compares with `&str` and
/// `String`, stored inline when short.
pub type Norm = compact_str::CompactString;

/// One token: its byte span in the original text and its matching form.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    /// Held inline up to 24 bytes (a word of 12 Arabic letters), so most tokens own no heap
    /// block (issue 15, finding 4: a block per token was a sixth of extraction's memory).
    pub norm: Norm,
    pub kind: TokenKind,
    /// Index of the sentence holding the token.
    pub sentence: usize,
    /// Index of the clause (sentence parts split at ، : ( ) quotes and dashes), global to the doc.
    pub clause: usize,
}

impl Token {
    /// True for a punctuation token whose matching form is `s`.
    pub fn is_punct(&self, s: &str) -> bool {
        self.kind == TokenKind::Punct && self.norm == s
    }
}

/// A sentence: its byte span and the range of its tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub tokens: Range<usize>,
}

/// An analysed text.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '؛' | '…' | '\n')
}

fn ends_clause(c: char) -> bool {
    matches!(c, '،' | ',' | ':' | ';' | '(' | ')' | '"' | '«' | '»' | '“' | '”' | '-' | '–' | '—' | '[' | ']' | '/')
}

/// Splits `text` into tokens (without sentence indices: see [`analyze`]). Each line break is
/// a `\n` token, but a run of blank lines is at most two: from the third on, the breaks (and
/// the spaces between them) join the second's span. Likewise a run of one punctuation mark
/// written again and again (`.....`, `-----`): from the third on, the marks join the second's
/// span. A text of newlines or dots would otherwise cost a token (64 bytes, and as much again
/// downstream) per input byte (issue 15, finding 4).
pub fn tokenize(text: &str) -> Vec<Token> {
    // about one token per six bytes of Arabic news; growing the vector from empty was a tenth
    // of extraction (callgrind)
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 6 + 4);
    // line-break tokens pushed since the last other token
    let mut breaks = 0usize;
    scan_tokens_owned(text, |start, end, norm, kind| {
        if kind == TokenKind::Punct && norm == "\n" {
            match tokens.last_mut() {
                Some(last) if breaks >= 2 => last.end = end,
                _ => {
                    tokens.push(Token { start, end, norm: "\n".into(), kind, sentence: 0, clause: 0 });
                    breaks += 1;
                }
            }
            return;
        }
        breaks = 0;
        if kind == TokenKind::Punct {
            // the third and later of one mark written again and again join the second
            let n = tokens.len();
            let repeated = |t: &Token, at: usize| t.kind == TokenKind::Punct && t.end == at && t.norm.as_str() == norm.as_str();
            if n >= 2 && repeated(&tokens[n - 1], start) && repeated(&tokens[n - 2], tokens[n - 1].start) {
                tokens[n - 1].end = end;
                return;
            }
        }
        // forms of up to 24 bytes are kept inline (Norm), not in a heap block each
        tokens.push(Token { start, end, norm: Norm::from(norm.as_str()), kind, sentence: 0, clause: 0 });
    });
    tokens
}

/// The tokens of `text` as [`tokenize`] makes them, in order, handed to `f` as (start byte,
/// end byte, matching form, kind) without a string per token: the form lives in one buffer,
/// valid during the call. For passes that only read the forms (the search index).
pub fn scan_tokens(text: &str, mut f: impl FnMut(usize, usize, &str, TokenKind)) {
    scan_tokens_owned(text, |start, end, norm, kind| f(start, end, norm, kind));
}

/// [`scan_tokens`], the form handed over in its buffer, which `f` may keep (leaving another).
fn scan_tokens_owned(text: &str, mut f: impl FnMut(usize, usize, &mut String, TokenKind)) {
    let mut norm = String::with_capacity(24);
    let mut it = Cursor { text, pos: 0 };
    let table = arabic_classes();
    let bytes = text.as_bytes();
    while let Some((i, c)) = it.peek() {
        let fc = match fold_char(c) {
            Fold::Drop => {
                it.next();
                continue;
            }
            Fold::Char(fc) => fc,
        };
        if fc.is_whitespace() {
            if c == '\n' || c == '\r' {
                norm.clear();
                norm.push('\n');
                f(i, i + c.len_utf8(), &mut norm, TokenKind::Punct);
            }
            it.next();
            continue;
        }
        norm.clear();
        if is_arabic_letter(fc) {
            let mut end = i;
            // while no letter has needed folding, the form is the text itself: copied in one
            // go at the end (or at the first letter that folds), not pushed letter by letter
            let mut verbatim = true;
            loop {
                // fast path: a two-byte character of the Arabic block (U+0600–U+067F), classed
                // by a table made with fold_char and is_arabic_letter, as the general path below
                let j = it.pos;
                if j + 1 < bytes.len() && (bytes[j] == 0xD8 || bytes[j] == 0xD9) {
                    let next = j + 2;
                    match table[usize::from(bytes[j] - 0xD8) << 6 | usize::from(bytes[j + 1] & 0x3F)] {
                        ArabicClass::Drop => {
                            if verbatim {
                                norm.push_str(&text[i..j]);
                                verbatim = false;
                            }
                            it.pos = next;
                            end = next;
                            continue;
                        }
                        ArabicClass::Same => {
                            if !verbatim {
                                norm.push_str(&text[j..next]);
                            }
                            it.pos = next;
                            end = next;
                            continue;
                        }
                        ArabicClass::Folds(g) => {
                            if verbatim {
                                norm.push_str(&text[i..j]);
                                verbatim = false;
                            }
                            norm.push(g);
                            it.pos = next;
                            end = next;
                            continue;
                        }
                        ArabicClass::Other => {}
                    }
                }
                let Some((j, d)) = it.peek() else { break };
                match fold_char(d) {
                    Fold::Drop => {
                        if verbatim {
                            norm.push_str(&text[i..j]);
                            verbatim = false;
                        }
                        it.next();
                        end = j + d.len_utf8();
                    }
                    Fold::Char(g) if is_arabic_letter(g) => {
                        if verbatim && g != d {
                            norm.push_str(&text[i..j]);
                            verbatim = false;
                        }
                        if !verbatim {
                            norm.push(g);
                        }
                        it.next();
                        end = j + d.len_utf8();
                    }
                    _ => break,
                }
            }
            if verbatim {
                norm.push_str(&text[i..end]);
            }
            f(i, end, &mut norm, TokenKind::Word);
            continue;
        }
        if fc.is_ascii_digit() {
            let (end, mut num) = scan_number(text, i);
            // (the number's end is a character boundary past `i`)
            it.pos = end;
            f(i, end, &mut num, TokenKind::Number);
            continue;
        }
        if is_alphanumeric(fc) {
            let mut end = i;
            while let Some((j, d)) = it.peek() {
                match fold_char(d) {
                    Fold::Char(g) if is_alphanumeric(g) && !is_arabic_letter(g) && !g.is_ascii_digit() || (g.is_ascii_digit() && !norm.is_empty()) => {
                        norm.extend(g.to_lowercase());
                        it.next();
                        end = j + d.len_utf8();
                    }
                    _ => break,
                }
            }
            f(i, end, &mut norm, TokenKind::Latin);
            continue;
        }
        it.next();
        norm.push(fc);
        f(i, i + c.len_utf8(), &mut norm, TokenKind::Punct);
    }
}

/// `c.is_alphanumeric()`, answered at once for ASCII and the punctuation of Arabic news (، ؛ ؟
/// « » “ ” – — … ٫ ٬), which std looks up in its Unicode tables (a twentieth of the scanner).
fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !matches!(c, '،' | '؛' | '؟' | '«' | '»' | '“' | '”' | '‘' | '’' | '–' | '—' | '…' | '٫' | '٬' | '٪' | '•' | '·') && c.is_alphanumeric()
}

/// A position in a text, read a character at a time (as a peekable `char_indices`), which the
/// scanner's fast path may also move over bytes it has read itself.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    /// The character at the position, with its byte offset.
    #[inline]
    fn peek(&self) -> Option<(usize, char)> {
        self.text[self.pos..].chars().next().map(|c| (self.pos, c))
    }

    /// Moves past the character at the position.
    #[inline]
    fn next(&mut self) {
        if let Some(c) = self.text[self.pos..].chars().next() {
            self.pos += c.len_utf8();
        }
    }
}

/// How the scanner reads a character of U+0600–U+067F inside an Arabic word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArabicClass {
    /// Not a letter of the word (ends it), or left to the general path.
    Other,
    /// Dropped from the matching form (a diacritic, tatweel).
    Drop,
    /// An Arabic letter that is its own matching form.
    Same,
    /// An Arabic letter whose matching form is another letter.
    Folds(char),
}

/// The class of each character U+0600–U+067F, from [`fold_char`] and [`is_arabic_letter`].
fn arabic_classes() -> &'static [ArabicClass; 128] {
    static TABLE: std::sync::OnceLock<[ArabicClass; 128]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|k| {
            let Some(c) = char::from_u32(0x600 + k as u32) else { return ArabicClass::Other };
            match fold_char(c) {
                Fold::Drop => ArabicClass::Drop,
                Fold::Char(g) if is_arabic_letter(g) && g == c => ArabicClass::Same,
                Fold::Char(g) if is_arabic_letter(g) => ArabicClass::Folds(g),
                Fold::Char(_) => ArabicClass::Other,
            }
        })
    })
}

/// Reads a number starting at byte `start`: digits with thousands separators and one decimal
/// mark. Returns the end byte and the canonical form.
fn scan_number(text: &str, start: usize) -> (usize, String) {
    let mut groups: Vec<(String, Option<char>)> = Vec::new(); // digit run and the separator before it
    let mut cur = String::new();
    let mut sep_before: Option<char> = None;
    let mut end = start;
    let mut chars = text[start..].char_indices().map(|(k, c)| (start + k, c)).peekable();
    while let Some(&(j, c)) = chars.peek() {
        match fold_char(c) {
            Fold::Char(d) if d.is_ascii_digit() => {
                cur.push(d);
                chars.next();
                end = j + c.len_utf8();
            }
            Fold::Char(s @ ('.' | ',' | '٫' | '٬')) if !cur.is_empty() => {
                // a separator counts only when a digit follows it directly
                let mut look = chars.clone();
                look.next();
                let next_is_digit = matches!(look.peek(), Some(&(_, d)) if matches!(fold_char(d), Fold::Char(x) if x.is_ascii_digit()));
                if !next_is_digit {
                    break;
                }
                groups.push((std::mem::take(&mut cur), sep_before));
                sep_before = Some(s);
                chars.next();
            }
            _ => break,
        }
    }
    groups.push((cur, sep_before));
    // Interpret separators: ٬ is always thousands, ٫ always decimal. A . or , used more than
    // once is thousands (1,234,567); a lone , before exactly three digits is thousands (7,591);
    // any other lone . or , is the decimal mark (8.95, 8,95).
    let count = |s: char| groups.iter().filter(|g| g.1 == Some(s)).count();
    let mut norm = String::new();
    for (digits, sep) in &groups {
        if let Some(s) = *sep {
            let thousands = match s {
                '٬' => true,
                '٫' => false,
                _ => count(s) > 1 || (s == ',' && digits.len() == 3),
            };
            if !thousands {
                norm.push('.');
            }
        }
        norm.push_str(digits);
    }
    (end, norm)
}

/// Tokens, sentences and clauses of `text`.
pub fn analyze(text: &str) -> Doc {
    let mut tokens = tokenize(text);
    let mut sentences = Vec::new();
    let mut sent_start_tok = 0usize;
    let mut clause = 0usize;
    let mut sentence = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        tokens[i].sentence = sentence;
        tokens[i].clause = clause;
        let t = &tokens[i];
        let c = t.norm.chars().next().unwrap_or(' ');
        let is_break = t.kind == TokenKind::Punct && ends_sentence(c);
        if t.kind == TokenKind::Punct && ends_clause(c) {
            clause += 1;
        }
        if is_break {
            // absorb a run of sentence-ending punctuation and newlines
            let mut j = i + 1;
            while j < tokens.len() && tokens[j].kind == TokenKind::Punct && ends_sentence(tokens[j].norm.chars().next().unwrap_or(' ')) {
                tokens[j].sentence = sentence;
                tokens[j].clause = clause;
                j += 1;
            }
            push_sentence(&mut sentences, &tokens, sent_start_tok, j);
            sent_start_tok = j;
            sentence = sentences.len();
            clause += 1;
            i = j;
            continue;
        }
        i += 1;
    }
    push_sentence(&mut sentences, &tokens, sent_start_tok, tokens.len());
    // renumber so that sentence indices are dense over non-empty sentences
    for (k, s) in sentences.iter().enumerate() {
        for t in &mut tokens[s.tokens.clone()] {
            t.sentence = k;
        }
    }
    Doc { tokens, sentences }
}

fn push_sentence(out: &mut Vec<Sentence>, tokens: &[Token], from: usize, to: usize) {
    // a sentence must hold at least one non-punctuation token
    let mut content = tokens[from..to].iter().filter(|t| t.kind != TokenKind::Punct);
    if let Some(first) = content.next() {
        let last = content.next_back().unwrap_or(first);
        out.push(Sentence { start: first.start, end: last.end, tokens: from..to });
    } else if let Some(prev) = out.last_mut() {
        prev.tokens.end = to;
    }
}

/// Splits a word's matching form into (proclitic, rest) pairs allowed by `set`, longest
/// proclitic last; the rest keeps at least two letters.
pub fn proclitic_splits<'a>(norm: &'a str, set: &'static [&'static str]) -> impl Iterator<Item = (&'static str, &'a str)> + 'a {
    set.iter().filter_map(move |p| {
        let rest = norm.strip_prefix(p)?;
        (rest.chars().count() >= 2).then_some((*p, rest))
    })
}

/// Byte offset → character offset table for one text, for reporting spans to users: the
/// characters before each block of [`CharIndex::BLOCK`] bytes, and the text to count the rest
/// in (a table of every character's offset took 8 bytes per character, a fifth of extraction's
/// memory on a one-sentence text; issue 15, finding 4).
pub struct CharIndex<'a> {
    bytes: &'a [u8],
    /// Characters starting before byte `k * BLOCK`, for each block and the end.
    before: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    /// (64: at most 63 bytes to count per call, for a table of an eighth of the text's size;
    /// counting up to 255 was 3% of extraction)
    pub const BLOCK: usize = 64;

    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut before = Vec::with_capacity(bytes.len() / Self::BLOCK + 2);
        let mut n = 0;
        for chunk in bytes.chunks(Self::BLOCK) {
            before.push(n);
            n += starts_in(chunk);
        }
        before.push(n);
        CharIndex { bytes, before }
    }

    /// Character offset of byte offset `b`: the characters that start before it (for a char
    /// boundary, its character offset; past the end, the text's length in characters).
    pub fn char_of(&self, b: usize) -> usize {
        let b = b.min(self.bytes.len());
        let k = b / Self::BLOCK;
        self.before[k] + starts_in(&self.bytes[k * Self::BLOCK..b])
    }
}

/// How many UTF-8 characters start in `bytes` (the bytes that are not continuation bytes).
fn starts_in(bytes: &[u8]) -> usize {
    // (a sum of 0s and 1s, which the compiler makes vector code of)
    bytes.iter().map(|&x| usize::from(x & 0xC0 != 0x80)).sum()
}

#[cfg(test)]
mod tests;

#!/usr/bin/env python3
"""Generate data/kb/given_names.tsv from the hand lists in this folder.

The name lists (names_*.txt) were written by hand for marsad. Each section is headed
"== ORIGIN GENDER"; tokens are whitespace separated, "_" stands for a space inside a compound
name, a trailing "*" marks a form that is also an ordinary word or very often something else
(ambiguous=yes), a trailing "^" makes the gender u. kurdish sections are written with origin
persian (Iranian languages).

A form is also marked ambiguous when its folded form is in data/lexicon/common_words.tsv or in
the EXTRA_AMBIGUOUS set below (chosen by reviewing corpus counts and contexts, see --report).
Corpus counts come from the SaudiNewsNet sample and Ahdath (not shipped, used only to count).

Usage: python3 scripts/kb/given_names/gen_given_names.py [--report N]
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'data', 'kb', 'given_names.tsv')
COMMON = os.path.join(ROOT, 'data', 'lexicon', 'common_words.tsv')
CORPORA = ['/work/shared/corpus/bulk/saudinewsnet-sample.jsonl',
           '/work/shared/corpus/bulk/ahdath-364.jsonl']
LISTS = ['names_arabic.txt', 'names_other.txt', 'names_foreign.txt']
ORIGINS = {'arabic', 'persian', 'turkic', 'western', 'slavic', 'asian', 'african', 'other', 'kurdish'}
PROCLITICS = ["", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك"]

# Forms decided ambiguous after reviewing their corpus counts and contexts (folded spelling).
EXTRA_AMBIGUOUS_RAW = '''
دينا نادية رقية إركان ليلى حجاج إدوار أمره صدام ركان لحسن جيلا إسياس إلياس علي_أكبر سلمى حمد_الله آفي ألفريد إلكر زئيف ميسرة نشأت يسري صفي عدي ريما لانا هاديا أيدن أيهم يزن همام سجاد نويد ينس إرنا يسرا حلمي تامر صبري إياد أمر_الله ألبين لعربي قيس محيي بيرم بوبكر خلدون صبحي فهمي حمادة فيدل
حمد خضر قصي جيف حنا إميل أروى فتحية آراس طايل وجدي أختر قدري مزاحم الهاشمي شما إلهه بيرات أوزان دفنه ظريفة ربحي فخري وصفي موزة جهان يزدان كيهان أخمد ديما غادي عياد بترو ييمي
'''
# Forms dropped after review (not given names, family names, full names, clashes).
DROP_RAW = '''
إلنور أبييه بيرين ونيي حفتر عرفات علاوي عتيبة ميرزا مولانا داتو تنكو ملا مهاتما إمام السيد الأمير الحاج مولاي سيدي ماها نورودوم سري بايدن آل بو ولد قديروف محمدوف عليموف شينواترا كاغامي جيله فرماجو أوزتورك أوزدمير إردوغان سينغ كومار أويسي تواديرا أوبيانغ كاتومبي جونتا ديسالين ليمون حيدرو إيتي غيدي سيلانيو روبل ضاهر زيراي يوويري بيرو يسيموف أكايف توكتوغول أسامباييف رامزان
ألكسي_ميلر ليلا_زانا مريم_نواز إسفنديار_ولي أمين_غاندابور طاهر_القادري مودي_ناريندرا أنيل_كومار حنا_رباني نيلوفر_بختيار كي_بي شيخ_مجيب طارق_رحمن محمد_يونس خالدة_ضياء شيخ_حسينة تشو_هيون تشانغ_هو جونغ_أون يو_جونغ يوسف_كالا بي_جي غوس_دور جبران_راكابومينغ أنيس_باسويدان حسن_البلقية صباح_الأحمد بونغ_نغام عبدو_لاي عثمان_سونكو بشير_ديوماي غابرييل_أتال دانيال_شابو سيدي_محمد حسن_شيخ عبد_الله_يوسف حمزة_عبدي سعيد_عبد_الله موسى_بيحي عبد_الرحمن_عرو إسماعيل_عمر رقية_ديالو بطرس_غالي خافيير_سولانا خافيير_ميلي رجب_طيب ألكسندر_دي_كرو ماريو_دراغي إيمانويل_ماكرون ماتيو_سالفيني روبرت_مالي ويليام_بيرنز ديفيد_كاميرون أنتوني_بلينكن كاترين_كولونا فاليري_بيكريس زهرة_ماماداني ميخائيل_ميشوستين ألكسندر_فوتشيتش ألكسندر_لوكاشينكو إيغور_سيتشين سيرغي_لافروف داريا_دوغينا فالنتينا_ماتفيينكو يوليا_تيموشينكو سفيتلانا_تيخانوفسكايا كسينيا_سوبتشاك أولينا_زيلينسكا عمر_فتاح
'''
# Names that a non-Western list repeats for a person of that region but are Western names.
WESTERN_RAW = '''
جورج جوزيف جوزف مارك جو دون مانويل إنريكي فيفيان لورانس رودريغو فرديناند غلوريا بينينو كورازون إيميلدا جوليوس دينيس لازاروس باسكال ليوبولد جواو فوستين فوستان إيفاريست جوفينال روك بليز إيمرسون سيريل ديزموند جيري فيستوس إليسون تيودورو جواكيم هيرمان صمويل كاليب إيلين جويس غراسا بيتي ويني سيلفي غراس آرتور أرتور رافاييل ليني ميكي
'''


def fold(s):
    out = []
    for c in s:
        o = ord(c)
        if 0x610 <= o <= 0x61A or 0x64B <= o <= 0x65F or o == 0x670 or 0x6D6 <= o <= 0x6ED:
            continue
        if c in '\u0640\ufeff\xad' or 0x200B <= o <= 0x200F:
            continue
        c = {'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ى': 'ي', 'ئ': 'ي', 'ی': 'ي', 'ة': 'ه',
             'ؤ': 'و', 'ک': 'ك', 'ڤ': 'ف', 'گ': 'ك'}.get(c, c)
        out.append(c)
    s = ''.join(out)
    s = re.sub('ي+', 'ي', s)
    return re.sub('و+', 'و', s)


def _set(raw):
    return set(fold(w.replace('_', ' ')) for w in raw.split())


EXTRA_AMBIGUOUS = _set(EXTRA_AMBIGUOUS_RAW)
DROP = _set(DROP_RAW)
WESTERN = _set(WESTERN_RAW)


def load_lists():
    entries = collections.OrderedDict()  # folded -> [form, gender, origin, ambiguous]
    for name in LISTS:
        origin = gender = None
        for line in open(os.path.join(HERE, name), encoding='utf-8'):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('=='):
                origin, gender = line[2:].split()
                assert origin in ORIGINS and gender in 'mfu', line
                continue
            for tok in line.split():
                amb = '*' in tok
                g = 'u' if '^' in tok else gender
                form = tok.replace('*', '').replace('^', '').replace('_', ' ')
                if re.search('[پچژ]', form):
                    continue
                f = fold(form)
                if f in DROP or form in DROP:
                    continue
                o = 'persian' if origin == 'kurdish' else origin
                if f in WESTERN:
                    o = 'western'
                if f in entries:
                    e = entries[f]
                    e[3] = e[3] or amb
                    if e[1] != g and e[1] != 'u':
                        e[1] = 'u'
                    continue
                entries[f] = [form, g, o, amb]
    return entries


def corpus_tokens():
    toks = []
    for path in CORPORA:
        for line in open(path, encoding='utf-8'):
            toks.append([fold(w) for w in re.findall(r'[\u0621-\u064A\u0640\u064B-\u065F\u0670]+',
                                                       json.loads(line)['text'])])
    return toks


def count(entries, docs):
    first = collections.defaultdict(list)  # folded first word -> folded forms
    for f in entries:
        first[f.split()[0]].append(f)
    counts = collections.Counter()
    ctx = collections.defaultdict(list)
    for toks in docs:
        for i, t in enumerate(toks):
            for p in PROCLITICS:
                if not t.startswith(p):
                    continue
                rest = t[len(p):]
                for f in first.get(rest, ()):
                    parts = f.split()
                    if toks[i + 1:i + len(parts)] == parts[1:]:
                        counts[f] += 1
                        if len(ctx[f]) < 8:
                            ctx[f].append(' '.join(toks[max(0, i - 3):i + len(parts) + 3]))
    return counts, ctx


def main():
    entries = load_lists()
    common = set()
    for line in open(COMMON, encoding='utf-8'):
        if line.strip() and not line.startswith('#'):
            common.add(fold(line.split('\t')[0]))
    docs = corpus_tokens()
    counts, ctx = count(entries, docs)
    for f, e in entries.items():
        if f in common or f in EXTRA_AMBIGUOUS:
            e[3] = True
    if '--report' in sys.argv:
        n = int(sys.argv[sys.argv.index('--report') + 1])
        for f, e in sorted(entries.items(), key=lambda kv: -counts[kv[0]]):
            if not e[3] and counts[f] >= n:
                print(counts[f], e[0], e[2], ' | '.join(ctx[f][:5]))
        return
    by_origin = collections.Counter(e[2] for e in entries.values())
    amb = sum(1 for e in entries.values() if e[3])
    with open(OUT, 'w', encoding='utf-8') as out:
        out.write(HEADER)
        for f, e in entries.items():
            out.write('\t'.join([e[0], e[1], e[2], 'yes' if e[3] else 'no']) + '\n')
    print(len(entries), 'entries;', amb, 'ambiguous;', dict(by_origin), file=sys.stderr)


HEADER = """\
# marsad kb/given_names.tsv — given (first) names as the Arabic press writes them, used to
# recognise persons marsad has no dictionary entry for: a known given name followed by further
# name words (محمد بن سلمان، أحمد أبو الغيط، أنتوني بلينكن، سيرغي شويغو).
# Columns (TAB-separated): form  gender  origin  ambiguous
#   form: one spelling as written (compound names such as عبد الله or نور الدين are two words;
#     joined spellings such as عبدالله are separate entries; alef/hamza, ى/ي, ة/ه variants are
#     folded at load time and not repeated). Chinese and Korean entries are the first word of the
#     name as printed (the family name: شي، لي، كيم).
#   gender: m, f or u (unisex or unknown).
#   origin: arabic, persian (with Kurdish and Afghan), turkic (Turkish, Azerbaijani, Central
#     Asian, North Caucasus), western (European, American and Israeli names), slavic (with Baltic, Balkan, Caucasus), asian (South,
#     East and South-East Asia), african (sub-Saharan), other.
#   ambiguous: yes when the form is also an ordinary Arabic word or often something else in news
#     text (أمل، سلام، نور، شي، لي، جو، دون, a place or a family name); such a name then needs more
#     evidence before a person is read. Every form listed in lexicon/common_words.tsv is yes.
# How it was made: hand-curated for marsad from general knowledge of names in the news; no
#   third-party name list was used. Generated by scripts/kb/given_names/gen_given_names.py from the
#   hand lists in that folder. Word counts over the SaudiNewsNet sample (CC BY-NC-SA 4.0) and
#   Ahdath news corpora were used only to decide the ambiguous column; none of their text is
#   included.
# Licence: same as the marsad repository.
"""

if __name__ == '__main__':
    main()

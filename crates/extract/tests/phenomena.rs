//! Whole-pipeline table tests on sentences that are not from the dev articles: one row per
//! phenomenon of recognition and event coding, with the mentions and events expected.

use marsad_extract::{Article, ArticleOut, Extractor};
use marsad_kb::Kb;
use std::sync::OnceLock;

fn ex() -> &'static Extractor {
    static E: OnceLock<Extractor> = OnceLock::new();
    E.get_or_init(|| Extractor::new(Kb::embedded().expect("embedded KB loads")))
}

fn run(text: &str) -> ArticleOut {
    ex().extract(&Article { id: "t".into(), text: text.into(), published: Some("2025-06-10".into()), ..Default::default() })
}

fn events(out: &ArticleOut) -> Vec<(String, String, String)> {
    let a = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    out.events.iter().map(|e| (e.event_type.clone(), a(&e.source.actor), a(&e.target.actor))).collect()
}

/// (phenomenon, sentence, events that must be found as TYPE:SRC:TGT)
const EVENTS: &[(&str, &str, &[&str])] = &[
    ("VSO verb, role + nisba + name, counterpart", "أجرى وزير الخارجية السعودي الأمير فيصل بن فرحان اتصالا هاتفيا بنظيره الإيراني حسين أمير عبد اللهيان.", &["CONSULT:SAU:IRN"]),
    ("feminine verb, state subject, adjective target", "أدانت مصر الهجوم الإسرائيلي على غزة.", &["ACCUSE:EGY:ISR"]),
    ("multiword trigger with على target", "فرضت الولايات المتحدة عقوبات جديدة على روسيا.", &["SANCTION:USA:RUS"]),
    ("IGO official, verb + object", "دعا الأمين العام للأمم المتحدة أنطونيو غوتيريش إسرائيل إلى وقف إطلاق النار في غزة.", &["REQUEST:IGO:UN:ISR"]),
    ("king with title, host", "استقبل العاهل الأردني الملك عبد الله الثاني الرئيس الفلسطيني محمود عباس.", &["CONSULT:JOR:PSE"]),
    ("violence, target from the place", "قصفت طائرات إسرائيلية مواقع في جنوب لبنان.", &["ASSAULT:ISR:LBN"]),
    ("indefinite noun of violence", "شنت إسرائيل هجوما على غزة.", &["ASSAULT:ISR:PSE"]),
    ("domestic protest from the place", "تظاهر آلاف الأشخاص في لندن احتجاجا على الحرب.", &["PROTEST:GBR:GBR"]),
    ("coordinated subject signs", "وقعت قطر وتركيا اتفاقية للتعاون العسكري.", &["AGREE:QAT:TUR"]),
    ("accusation with ب", "اتهمت إيران الولايات المتحدة بدعم الإرهاب.", &["ACCUSE:IRN:USA"]),
    ("withdrawal, target from the place", "أعلنت روسيا سحب قواتها من خيرسون.", &["RETREAT:RUS:UKR"]),
    ("release, target in a governed phrase", "أفرجت السلطات الإيرانية عن ناقلة نفط بريطانية.", &["CONCEDE:IRN:GBR"]),
    ("threat with ضد", "هددت كوريا الشمالية باستخدام الأسلحة النووية ضد كوريا الجنوبية.", &["THREATEN:PRK:KOR"]),
    ("aid with إلى", "قدمت الإمارات مساعدات إنسانية إلى السودان.", &["AID:ARE:SDN"]),
    ("present tense visit", "يزور الرئيس الفرنسي إيمانويل ماكرون الجزائر الأسبوع المقبل.", &["CONSULT:FRA:DZA"]),
    ("arrest of group members", "اعتقلت الشرطة التركية عشرات المشتبه بانتمائهم إلى تنظيم داعش.", &["COERCE:TUR:NSA:ISIL"]),
    ("three-way meeting, role-prefixed third", "عقد أردوغان وبوتين والرئيس الإيراني إبراهيم رئيسي اجتماعًا ثلاثيًا في العاصمة الإيرانية طهران.", &["CONSULT:TUR:RUS", "CONSULT:TUR:IRN", "CONSULT:RUS:IRN"]),
    ("SVO dual verb", "تركيا وكازاخستان تبحثان تعزيز التعاون الاستراتيجي.", &["CONSULT:TUR:KAZ"]),
    ("between X and Y", "انطلقت محادثات بين مصر وإثيوبيا حول سد النهضة.", &["CONSULT:EGY:ETH"]),
    ("قد before a past verb changes nothing", "وقد هاجمت القوات التركية مواقع حزب العمال الكردستاني في العراق.", &["ASSAULT:TUR:NSA:PKK"]),
    ("a signing verb with its document further on", "ووقعت الأردن في مارس الماضي اتفاقية للتعاون الدفاعي مع فرنسا.", &["AGREE:JOR:FRA"]),
    ("a document just before a signing verb", "وتحدث عن الاتفاقية التي وقعتها الأردن مع فرنسا في مارس.", &["AGREE:JOR:FRA"]),
    ("a ceasefire with an adjective is a ceasefire", "أعلنت إسرائيل وقفا فوريا لإطلاق النار في غزة.", &["RETREAT:ISR:PSE"]),
    ("a capital after another state is a side", "واتهمت كييف موسكو بتدبير هجمات إلكترونية.", &["ACCUSE:UKR:RUS"]),
    ("an active participle as a circumstantial", "وصل الوزير الإيطالي إلى القاهرة أمس، منتقدا تركيا بشدة.", &["ACCUSE:ITA:TUR"]),
    ("a deontic demand names its target after على", "وقال الاتحاد الأوروبي إنه يجب على إسرائيل وقف الاستيطان.", &["REQUEST:IGO:EU:ISR"]),
    ("the genitive of a ب-governed noun is the target", "رحبت إسرائيل، السبت، بقرار الولايات المتحدة الأخير.", &["SUPPORT:ISR:USA"]),
    ("an official in a group speaks for it", "ورفض مسؤول في حماس مزاعم إسرائيل.", &["REJECT:NSA:HAMAS:ISR"]),
    ("the agent after برصاص, victims by nationality", "وقُتل 20 فلسطينيا برصاص القوات الإسرائيلية يوم الجمعة.", &["ASSAULT:ISR:PSE"]),
    ("victims of a verb, agent of the event noun", "قتل فلسطينيان اثنان في قطاع غزة، إثر غارات إسرائيلية ليل السبت.", &["ASSAULT:ISR:PSE"]),
    ("a dual possessive on a meeting is the pair named before it, however far", "قال ولي العهد السعودي محمد بن سلمان في حديث عن الرئيس الأمريكي دونالد ترامب إنه متفائل قبيل اجتماعهما المقرر، الثلاثاء المقبل.", &["CONSULT:SAU:USA"]),
    ("a light verb whose noun follows subject and object (حمّل … المسؤولية)", "وحمّلت الحكومة اليمنية الحوثيين المسؤولية الكاملة عن مقتل الصحافي.", &["ACCUSE:YEM:NSA:HOUTHIS"]),
    ("a light verb whose noun follows its subject (قطعت … علاقاتها)", "وقطعت السودان علاقاتها مع كوريا الشمالية.", &["SANCTION:SDN:PRK"]),
    ("a light verb whose noun follows its subject (وجهت … انتقادات)", "ووجهت الخارجية الأمريكية انتقادات حادة لروسيا.", &["ACCUSE:USA:RUS"]),
    ("a definite noun refers back to an organisation whose name a state closes", "أصدرت نقابة الصحفيين اليمنيين بيانا. واتهمت النقابة إيران بالتدخل.", &["ACCUSE:YEM:IRN"]),
    ("a visit's genitive is the visitor even after a preposition, its capital the target", "ولكن بالعودة إلى موضوع زيارة الأمير محمد بن سلمان إلى باريس، فإن الرئيس الفرنسي معروف بتأييده للاتفاقية الإيرانية.", &["CONSULT:SAU:FRA"]),
    ("SVO: a name right before the verb is its subject, the one after its object", "وقال المتحدث إن روسيا هاجمت أوكرانيا أمس.", &["ASSAULT:RUS:UKR"]),
    ("SVO with a present verb", "والولايات المتحدة تتهم إيران بزعزعة الاستقرار في المنطقة.", &["ACCUSE:USA:IRN"]),
    ("SVO with a light verb and its two objects", "والجيش الإسرائيلي يحمل حماس مسؤولية أي هجوم.", &["ACCUSE:ISR:NSA:HAMAS"]),
    ("a number and a partitive open the object", "اتهمت الاستخبارات الأمريكية 12 ضابطا من المخابرات الروسية بالتدخل في الانتخابات.", &["ACCUSE:USA:RUS"]),
    ("a plural verb carries its subject: the name after it is its object", "قال الحوثيون إنهم قصفوا الرياض بصاروخ باليستي.", &["ASSAULT:NSA:HOUTHIS:SAU"]),
    ("an attack noun whose agent is in a relative clause", "وقالت الوكالة إن الضربة التي وجهها الجيش الإسرائيلي فجر اليوم استهدفت البنى التحتية الإيرانية في سوريا.", &["ASSAULT:ISR:IRN"]),
    ("the agent of a relative clause on the ب-object is the target", "أشاد الوزير المغربي بالجهود الكبيرة التي تبذلها حكومة المملكة العربية السعودية.", &["SUPPORT:MAR:SAU"]),
    ("a light-verb phrase split by its subject", "أبدى الرئيس اللبناني ميشال عون أسفه لقرار نظيره الفرنسي.", &["ACCUSE:LBN:FRA"]),
    ("a warning is a threat with its target", "حذرت السعودية من التحرك عسكريا ضد قطر.", &["THREATEN:SAU:QAT"]),
    ("a resumptive pronoun in a relative clause is the target", "أكد الوزير أن بلاده لن تتخلى عن الصيادين المصريين الذين تحتجزهم ليبيا منذ شهر.", &["COERCE:LBY:EGY"]),
    ("an object pronoun refers back to the last side named", "انتقد الرئيس الفرنسي إيطاليا بشدة، واتهمها بالتبعية لروسيا في ملف الطاقة.", &["ACCUSE:FRA:ITA"]),
    ("a pronoun on a reciprocal (form VI) verb form is a possessor", "أكد وزير الخارجية المصري أن بلاده ستواصل تعاونها مع السودان في مجال المياه.", &["COOPERATE:EGY:SDN"]),
    ("البلدين refers back to the two states named most", "وصل الرئيس السوداني إلى واشنطن في زيارة رسمية. وقالت الخارجية الأمريكية إن السودان شريك مهم للولايات المتحدة. ويناقش مسؤولو البلدين حاليا رفع العقوبات.", &["CONSULT:SDN:USA"]),
    ("الحلف refers back to the alliance; كان X قد فعل puts the subject first", "انعقدت قمة حلف شمال الأطلسي في بروكسل. وكان الرئيس الأمريكي قد انتقد أعضاء الحلف بشدة.", &["ACCUSE:USA:IGO:NATO"]),
    ("a state after في is where violence happened", "وقالت منظمة العفو الدولية إن هجوم التحالف الذي تقوده السعودية على حافلة مدرسية في اليمن جريمة حرب.", &["ASSAULT:SAU:YEM"]),
    ("a list in apposition after هي names a visit's destinations", "وصل وزير الخارجية الأمريكي إلى إثيوبيا. وتشمل الزيارة ثلاثة بلدان أخرى هي كينيا ونيجيريا وتشاد.", &["CONSULT:USA:KEN", "CONSULT:USA:NGA", "CONSULT:USA:TCD"]),
    ("a preposition repeated with و adds a target", "وقال الأمين العام للأمم المتحدة إنه يجب على إسرائيل ضبط النفس التام وعلى الفلسطينيين تجنب العنف.", &["REQUEST:IGO:UN:ISR", "REQUEST:IGO:UN:PSE"]),
    ("an epithet of a region stands for its state named most", "وصل الرئيس السوداني إلى واشنطن. وقال المسؤول الأمريكي مرحبا بقرار الدولة الأفريقية إن بلاده تدعم السودان.", &["SUPPORT:USA:SDN"]),
    ("the one asked is followed by على, past the subject's adverbs", "عقدت قمة حلف شمال الأطلسي في بروكسل. وقد حث ترامب في وقت سابق دول الحلف على زيادة الإنفاق.", &["REQUEST:USA:IGO:NATO"]),
    ("وعبر before a name is a verb; a ب-noun's genitive through دول", "عقدت قمة حلف شمال الأطلسي في بروكسل. وعبر ترامب عن سعادته بالتزام دول الحلف بزيادة نفقاتها.", &["SUPPORT:USA:IGO:NATO"]),
    ("a visit to a capital is a visit to its state", "وصل الرئيس التركي رجب طيب أردوغان في زيارة رسمية إلى موسكو.", &["CONSULT:TUR:RUS"]),
    ("the subject before a relative clause, and ب on a role heading the object", "زعيم التيار مقتدى الصدر الذي ستكون كتلته أكبر كتلة في البرلمان العراقي، التقى بزعيم كتلة الفتح هادي العامري يوم أمس.", &["CONSULT:IRQ:IRQ"]),
    ("a participle's object follows it directly", "وتحدث الوزير المصري سامح شكري منتقدا إثيوبيا في مؤتمر صحفي مع نظيره السوداني.", &["ACCUSE:EGY:ETH"]),
    ("a possessive pronoun on an event noun is its agent, named before it", "وقال ترامب بعد لقائه الرئيس الروسي إنه لا يرى أي مبرر.", &["CONSULT:USA:RUS"]),
    ("the hamza of لقاء on its seat before a pronoun (لقائه، لقاؤه)", "وأكد الرئيس التركي خلال لقائه نظيره الروسي أن العلاقات قوية.", &["CONSULT:TUR:RUS"]),
    ("a sentence opening with a possessed noun names the possessor after it", "في ثاني أيام زيارته إلى الصين، أجرى الرئيس المصري جولة في بكين.", &["CONSULT:EGY:CHN"]),
    ("a visit told as في زيارة after the arrival at a capital", "وصل أردوغان إلى موسكو في زيارة رسمية.", &["CONSULT:TUR:RUS"]),
    ("two people of one state meet: a domestic event", "التقى الرئيس الأمريكي دونالد ترامب برئيس مجلس النواب بول رايان في واشنطن.", &["CONSULT:USA:USA"]),
];

#[test]
fn event_table() {
    let mut failures = Vec::new();
    for (what, text, want) in EVENTS {
        let got = events(&run(text));
        for w in *want {
            // TYPE:SRC:TGT where codes may hold a colon (IGO:UN)
            let parts: Vec<&str> = w.splitn(2, ':').collect();
            let (ty, rest) = (parts[0], parts[1]);
            let hit = got.iter().any(|(t, s, g)| t == ty && (format!("{s}:{g}") == rest || ["CONSULT", "AGREE", "COOPERATE"].contains(&ty) && format!("{g}:{s}") == rest));
            if !hit {
                failures.push(format!("{what}: «{text}» wants {w}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (phenomenon, sentence, events that must NOT be found as TYPE:SRC:TGT, or TYPE:* for any)
const NON_EVENTS: &[(&str, &str, &[&str])] = &[
    ("negation moves the event out", "لم يلتق الرئيس الأمريكي جو بايدن نظيره الصيني شي جين بينغ.", &["CONSULT:*"]),
    ("states as topics are no sides", "بحث الوزيران الأوضاع في أفغانستان وإيران.", &["CONSULT:AFG:IRN"]),
    ("a capital in في is a place", "عقد الاجتماع في أنقرة بمشاركة خبراء.", &["CONSULT:TUR:TUR"]),
    ("the same state twice is no interaction", "التقى وزير الخارجية التركي بالسفير التركي في أنقرة.", &["CONSULT:TUR:TUR"]),
    ("a question asserts nothing", "هل هاجمت روسيا أوكرانيا مرة أخرى؟", &["ASSAULT:*"]),
    ("وقع without a document is 'happened', not 'signed'", "ووقع الانفجار قرب الحدود الكينية مع الصومال.", &["AGREE:*"]),
    ("a definite noun of agreement refers back", "ودافع الرئيس الأمريكي عن الاتفاق النووي مع إيران في مقابلة.", &["AGREE:*"]),
    ("a definite noun of violence refers back", "وتحدث الوزير المصري عن الهجوم الإسرائيلي على غزة.", &["ASSAULT:*"]),
    ("a ceasefire with an adjective is no shooting", "أعلنت إسرائيل وقفا فوريا لإطلاق النار في غزة.", &["ASSAULT:*"]),
    ("talks that stalled, said after the noun", "المفاوضات بين مصر وإثيوبيا انهارت الشهر الماضي.", &["CONSULT:*"]),
    ("أبعاد (dimensions) is not إبعاد (deportation) after hamza folding", "أخذت الأزمة بين تونس وليبيا أبعادا خطيرة.", &["COERCE:*"]),
    ("قد before a present verb is 'may'", "قد تهاجم القوات التركية مواقع حزب العمال الكردستاني في العراق.", &["ASSAULT:*"]),
    ("violence warned of is not violence", "حذرت مصر من هجوم إسرائيلي واسع على رفح.", &["ASSAULT:*"]),
    ("violence as a risk is not violence", "وجهت بريطانيا تحذيرا إلى رعاياها بسبب مخاطر شن هجمات في كينيا.", &["ASSAULT:*"]),
    ("violence feared is not violence", "تخشى الأمم المتحدة من قصف جديد على المدنيين في دارفور.", &["ASSAULT:*"]),
    ("an event noun as a goal", "تعمل قطر لضمان وقف شامل لإطلاق النار بين إسرائيل وحماس.", &["ASSAULT:*", "RETREAT:*"]),
    ("وزارة is not و + زار + ه", "وأعلنت وزارة الخارجية المصرية أن السفير التركي غادر.", &["CONSULT:*"]),
    ("الاجتماعي (social) is not a meeting", "نشرت روسيا مقاطع على مواقع التواصل الاجتماعي في أمريكا.", &["CONSULT:*"]),
    ("a state adjective on a non-actor noun is no side", "كان الرئيس باراك أوباما المولود لأب كيني قد قام بزيارة إلى غانا.", &["CONSULT:KEN:GHA", "CONSULT:GHA:KEN"]),
    ("an event noun after إن takes no agent from the speaker", "وغرد ترامب قائلا إن هجوما على إدلب سيكون خطأ.", &["ASSAULT:USA:SYR", "ASSAULT:USA:USA"]),
    ("a بين-pair inside the object is the object's", "كما نددت الدول المقاطعة بالتقارب الكبير بين قطر وإيران.", &["ACCUSE:QAT:IRN"]),
    ("حذرا (cautious) is not a warning", "اتبع الرئيس نهجا دبلوماسيا حذرا بين طهران وواشنطن.", &["THREATEN:*"]),
    ("the content of a demand has not happened", "وطالبت نقابة المحامين الأردنيين بإطلاق سراح المعتقلين لدى السلطات السورية.", &["CONCEDE:*"]),
    ("whoever reports a death is not its agent", "كشفت نقابة الصحفيين المصريين، السبت، عن مقتل 27 صحافيا منذ بداية الحرب.", &["ASSAULT:EGY:EGY"]),
    ("violence with one state alone is an incident, not an event", "قتل فلسطينيان اثنان في قطاع غزة.", &["ASSAULT:*"]),
    ("an arrest with no agent named is an incident", "واعتقل الجنديان اليونانيان بعد دخولهما الأراضي التركية.", &["COERCE:GRC:GRC"]),
    ("the genitive of an arrest is who was arrested", "وكشف المصدر تفاصيل اعتقال رجل الأعمال المصري أحمد عز من بيروت.", &["COERCE:EGY:LBN"]),
    ("what is offered has not happened", "عرضت أنقرة التوسط بين روسيا وأوكرانيا واستضافة محادثات السلام.", &["CONSULT:*"]),
    ("what follows a pronoun object is not the target", "انتقد الرئيس الفرنسي إيطاليا بشدة، واتهمها بالتبعية لروسيا في ملف الطاقة.", &["ACCUSE:FRA:RUS", "ACCUSE:ITA:RUS"]),
    ("a light verb without its noun is no trigger (حمل: carry)", "وحمل المتظاهرون لافتات كتب عليها شعارات ضد الحكومة.", &["ACCUSE:*"]),
    ("a relative clause's subject follows its verb, never its antecedent", "نددت الدول المقاطعة بالتقارب بين قطر وإيران، التي تتهمها دول عربية بالتدخل في شؤونها.", &["ACCUSE:QAT:IRN", "ACCUSE:IRN:IRN"]),
    ("a verbal noun's pronoun after a preposition is its possessor", "وأعرب الرئيس الروسي في هذا الإطار عن شكره لنظيره الكازاخي على دعم بلاده في مكافحة الإرهاب.", &["SUPPORT:RUS:RUS"]),
];

/// (phenomenon, sentence, incidents that must be found as TYPE:SRC:TGT, "-" for unknown)
const INCIDENTS: &[(&str, &str, &[&str])] = &[
    ("nobody named: both sides unknown", "انفجرت سيارة مفخخة في سوق شعبي.", &["ASSAULT:-:-"]),
    ("victims named, nobody else", "قتل فلسطينيان اثنان في قطاع غزة.", &["ASSAULT:-:PSE"]),
    ("a plural verb carries its subject: unnamed kidnappers, the victim after it", "وأفادت مصادر متطابقة أن مجهولين خطفوا مصورا فرنسيا في شمال الصومال.", &["ASSAULT:-:FRA"]),
    ("an armed group, an unnamed target", "شنت جماعة الحوثي هجوما بطائرة مسيرة على سفينة تجارية في البحر الأحمر.", &["ASSAULT:NSA:HOUTHIS:-"]),
];

#[test]
fn incident_table() {
    let mut failures = Vec::new();
    for (what, text, want) in INCIDENTS {
        let out = run(text);
        let a = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
        let got: Vec<String> = out.incidents.iter().map(|e| format!("{}:{}:{}", e.event_type, a(&e.source.actor), a(&e.target.actor))).collect();
        for w in *want {
            if !got.iter().any(|g| g == w) {
                failures.push(format!("{what}: «{text}» wants incident {w}, got {got:?}"));
            }
        }
        if out.events.iter().any(|e| e.source.actor.is_none() || e.target.actor.is_none()) {
            failures.push(format!("{what}: «{text}» has an event with an unknown side"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A sentence without full stops stays linear: arguments are looked for within a window of
/// the trigger, so a side 200 tokens away is not attached.
#[test]
fn arguments_stay_within_a_window() {
    let filler = "و".to_string() + &" كلمة".repeat(200);
    let text = format!("التقى الرئيس التركي{filler} الرئيس الروسي فلاديمير بوتين في أنقرة.");
    let got = events(&run(&text));
    assert!(!got.iter().any(|(t, _, _)| t == "CONSULT"), "{got:?}");
}

#[test]
fn non_event_table() {
    let mut failures = Vec::new();
    for (what, text, banned) in NON_EVENTS {
        let got = events(&run(text));
        for b in *banned {
            let (ty, rest) = b.split_once(':').unwrap();
            let hit = got.iter().any(|(t, s, g)| t == ty && (rest == "*" || format!("{s}:{g}") == rest));
            if hit {
                failures.push(format!("{what}: «{text}» must not give {b}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (phenomenon, text, (kind, surface as written, actor code or "-"))
const MENTIONS: &[(&str, &str, &[(&str, &str, &str)])] = &[
    ("proclitic ل on a surname after a full mention", "التقى سيرغي لافروف نظيره. وقال لافروف إن لكازاخستان دورا.", &[("PERSON", "سيرغي لافروف", "RUS"), ("PERSON", "لافروف", "RUS"), ("COUNTRY", "كازاخستان", "KAZ")]),
    ("proclitic و on a name", "اجتمع أردوغان وبوتين.", &[("PERSON", "بوتين", "RUS")]),
    ("nisba with article and feminine", "قالت الخارجية الكازاخستانية إن الشركات التركية مهتمة.", &[("COUNTRY", "التركية", "TUR")]),
    ("transliteration variant غ/ج", "قال سيرجي لافروف.", &[("PERSON", "سيرجي لافروف", "RUS")]),
    ("spelling variant of the state", "زار الوفد كازخستان.", &[("COUNTRY", "كازخستان", "KAZ")]),
    ("Astana spelled with ة", "وصل الوفد إلى أستانة.", &[("PLACE", "أستانة", "-")]),
    ("unknown name after role + nisba", "قال وزير الخارجية المالطي جوزيف بوليتشينو إن بلاده تدعم الحل.", &[("PERSON", "جوزيف بوليتشينو", "-")]),
    ("company from head noun", "وقعت شركة ترياكي القابضة عقدا جديدا.", &[("ORG", "شركة ترياكي القابضة", "-")]),
    ("ministry closed by a state adjective", "أعلنت وزارة الدفاع البريطانية ذلك.", &[("ORG", "وزارة الدفاع البريطانية", "GBR")]),
    ("IGO acronym and name", "حضر ممثلو حلف الناتو ومنظمة شنغهاي للتعاون.", &[("ORG", "منظمة شنغهاي للتعاون", "IGO:SCO")]),
    ("tanween is not a name", "ولا تزال تركيا سوقًا رئيسية.", &[("COUNTRY", "تركيا", "TUR")]),
    ("unknown name after a profession and a nisba", "قال المدرب الإيطالي فابيو كابيلو إن الفريق جاهز.", &[("PERSON", "فابيو كابيلو", "ITA")]),
    ("nationality adjective standing for a person", "وفاز الكيني داويت كيبروتو بالسباق.", &[("PERSON", "داويت كيبروتو", "KEN"), ("COUNTRY", "الكيني", "KEN")]),
    ("a list of names joined by و", "وشارك في الاجتماع أحمد الخطيب ومصطفى العلي.", &[("PERSON", "أحمد الخطيب", "-"), ("PERSON", "مصطفى العلي", "-")]),
    ("a word after بن/أبي belongs to the name", "روى الخبر عمر بن أبي ربيعة في كتابه.", &[("PERSON", "عمر بن أبي ربيعة", "-")]),
    ("a role noun in construct ends a name", "وقال خالد المنصوري رئيس الهيئة إن العمل بدأ.", &[("PERSON", "خالد المنصوري", "-")]),
    ("ل + ال written لل keeps the article in the surface", "قدمت فرنسا دعما للمغرب.", &[("COUNTRY", "للمغرب", "MAR")]),
    ("a common verb after a name ends it", "وكان اللاعب ماركوس فيلاني أهدر فرصة التعادل.", &[("PERSON", "ماركوس فيلاني", "-")]),
    ("a ranking adjective after a name ends it", "وتأهل اللاعب كارلوس مويا المصنف الأول.", &[("PERSON", "كارلوس مويا", "-")]),
    ("an ambiguous given name before a second given name", "وشارك في الحفل حسن يوسف أمس.", &[("PERSON", "حسن يوسف", "-")]),
    ("historical regions by their short names", "وانتشرت القبائل في الحجاز والشام والجزيرة العربية قبل فتح القسطنطينية.", &[("PLACE", "الحجاز", "-"), ("PLACE", "الشام", "-"), ("PLACE", "الجزيرة العربية", "-"), ("PLACE", "القسطنطينية", "-")]),
    ("a definite description in ة ends a name", "وتأهلت الروسية ناديا سميرنوفا المصنفة ثالثة.", &[("PERSON", "ناديا سميرنوفا", "RUS")]),
];

#[test]
fn mention_table() {
    let mut failures = Vec::new();
    for (what, text, want) in MENTIONS {
        let out = run(text);
        for (kind, surface, actor) in *want {
            let hit = out.mentions.iter().any(|m| m.kind == *kind && m.text == *surface && (*actor == "-" || m.actor.as_deref() == Some(*actor)));
            if !hit {
                let got: Vec<_> = out.mentions.iter().map(|m| (m.kind.as_str(), m.text.as_str(), m.actor.as_deref())).collect();
                failures.push(format!("{what}: «{text}» wants {kind} «{surface}» {actor}, got {got:?}"));
            }
        }
    }
    // and what must not be a name
    let out = run("ولا تزال تركيا سوقًا رئيسية.");
    assert!(out.mentions.iter().all(|m| m.kind != "PERSON"), "سوقًا is not Yoshihide Suga: {:?}", out.mentions);
    // a spelling variant of a place never takes a head noun (كاليه → كلية)
    let out = run("درس في كلية الطب سنوات.");
    assert!(out.mentions.iter().all(|m| m.kind != "PLACE"), "كلية is not Calais: {:?}", out.mentions);
    // a nationality adjective after the noun it describes does not stand for a person
    let out = run("وأعلنت الحكومة اليابانية عزمها تقديم مساعدات.");
    assert!(out.mentions.iter().all(|m| m.kind != "PERSON"), "عزمها is not a name: {:?}", out.mentions);
    // a name is not split off an ordinary word under a proclitic (فريقا is a team, not ف + Riga)
    let out = run("وقد أرسل بومبيو مؤخرا فريقا خاصا إلى المنطقة.");
    assert!(out.mentions.iter().all(|m| m.kind != "PLACE"), "فريقا is not Riga: {:?}", out.mentions);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The article's date picks a person's role (and so the state or body they act for).
#[test]
fn dated_roles() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("2012-05-01", "قال رجب طيب أردوغان إن بلاده مستعدة.", "Recep Tayyip Erdogan", "prime minister"),
        ("2020-05-01", "قال رجب طيب أردوغان إن بلاده مستعدة.", "Recep Tayyip Erdogan", "president"),
        ("2015-03-01", "التقى هاكان فيدان وفدا.", "Hakan Fidan", "head of intelligence"),
        ("2024-03-01", "التقى هاكان فيدان وفدا.", "Hakan Fidan", "foreign minister"),
    ];
    for (date, text, name, role) in rows {
        let out = ex().extract(&Article { id: "d".into(), text: (*text).into(), published: Some((*date).into()), ..Default::default() });
        let m = out.mentions.iter().find(|m| m.name.as_deref() == Some(*name)).unwrap_or_else(|| panic!("{name} in «{text}»: {:?}", out.mentions));
        assert_eq!(m.role.as_deref(), Some(*role), "{name} on {date}");
    }
}

/// Robustness: random mixes of Arabic letters, diacritics, digits, separators, punctuation,
/// Latin and control characters never make extraction panic, and every span stays in range.
#[test]
fn random_text_never_panics() {
    const ALPHABET: &[char] = &[
        'ا', 'أ', 'إ', 'آ', 'ب', 'ت', 'ة', 'ه', 'ي', 'ى', 'ئ', 'و', 'ؤ', 'ل', 'ك', 'س', 'ف', 'م', 'ن', 'ر', 'د', 'ع', 'غ', 'ج', 'ق', 'ش',
        '\u{064B}', '\u{064E}', '\u{0651}', '\u{0640}', '\u{200F}', '\u{FEFF}', '٠', '١', '٢', '٫', '٬', '٪', '0', '5', '9', '.', ',',
        '،', '؛', '؟', '!', '-', '/', ':', '"', '«', '»', '(', ')', ' ', ' ', ' ', '\n', '\t', 'a', 'Z', '\u{0}', '😀',
    ];
    let mut seed: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..1500 {
        let len = (next() % 400) as usize;
        let mut text: String = (0..len).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
        if i % 3 == 0 {
            // splice real phrases in, so that the deeper stages run too
            text.push_str(" التقى الرئيس التركي رجب طيب أردوغان نظيره الروسي فلاديمير بوتين في 22 أكتوبر 2025 وبحثا 8.95 مليارات دولار");
        }
        let published = (i % 2 == 0).then(|| "2025-10-22".to_string());
        let out = ex().extract(&Article { id: i.to_string(), text: text.clone(), published, ..Default::default() });
        let n = text.chars().count();
        for m in &out.mentions {
            assert!(m.span.start <= m.span.end && m.span.end <= n, "mention span out of range in case {i}");
        }
        for e in out.events.iter().chain(out.unrealised.iter()) {
            assert!(e.span.end <= n && e.span.sentence < out.sentences.len().max(1), "event span out of range in case {i}");
        }
    }
}

/// (phenomenon, sentence, event type, date the event must carry); published 2025-06-10.
const EVENT_DATES: &[(&str, &str, &str, &str)] = &[
    ("the end of a range says until when, not when", "وخلال جولته التي تستمر حتى 13 يونيو، سيزور الوزير الأمريكي إثيوبيا.", "CONSULT", "2025-06-10"),
    ("an undated past event later in a story took place on the lead's day", "قال وزير الخارجية التركي، السبت، إن بلاده تتابع الأوضاع. وأضاف أن الحكومة تعمل على ذلك. وأشار إلى أن الوضع صعب. واتهمت أنقرة موسكو بتدبير هجمات إلكترونية.", "ACCUSE", "2025-06-07"),
    ("the start of a range is the date", "وزار الرئيس التركي روسيا من الأحد حتى الثلاثاء.", "CONSULT", "2025-06-08"),
    ("the end of a range two sentences back is not carried", "قال وزير الخارجية التركي، الأحد، إن المنطقة تعيش ظروفا صعبة منذ العام 2014 حتى اليوم. وأضاف أن الحكومة تعمل على ذلك. واتهمت أنقرة موسكو بتدبير هجمات إلكترونية.", "ACCUSE", "2025-06-08"),
    ("a day that comes back every year is not carried", "قال وزير الخارجية التركي، الأحد، بمناسبة يوم الدبلوماسية الذي يصادف 9 مايو من كل عام، إن الوضع صعب. واتهمت أنقرة موسكو بتدبير هجمات إلكترونية.", "ACCUSE", "2025-06-08"),
    ("the agent's event takes the day of the agentless report of the same act", "واعتقل الجنديان اليونانيان الخميس. وقالت أثينا، السبت، إن الجنديين اليونانيين اللذين احتجزتهما تركيا بريئان.", "COERCE", "2025-06-05"),
    ("a modal before a relative clause does not reach into it, so its verb keeps the agentless day", "واعتقل الجنديان اليونانيان الخميس. وصرح الوزير اليوناني، السبت، أن بلاده لا تعتزم مبادلة الجنديين اليونانيين اللذين تحتجزهما تركيا.", "COERCE", "2025-06-05"),
    ("a day named after a scheduled meeting (the next Tuesday) dates it, in the future", "قال ولي العهد السعودي محمد بن سلمان في حديث عن الرئيس الأمريكي دونالد ترامب إنه متفائل قبيل اجتماعهما المقرر، الثلاثاء المقبل.", "CONSULT", "2025-06-17"),
];

/// (phenomenon, sentence, event type, the modality its event must have)
const MODALITIES: &[(&str, &str, &str, &str)] = &[
    ("an adjective of schedule after the event noun: to come", "قال ولي العهد السعودي محمد بن سلمان في حديث عن الرئيس الأمريكي دونالد ترامب إنه متفائل قبيل اجتماعهما المقرر، الثلاثاء المقبل.", "CONSULT", "planned"),
    ("a modal does not reach into a relative clause after it", "صرح الوزير اليوناني أن بلاده لا تعتزم مبادلة الجنديين اليونانيين اللذين تحتجزهما تركيا.", "COERCE", "asserted"),
    ("a modal before the event: planned", "تعتزم تركيا استضافة محادثات بين روسيا وأوكرانيا.", "CONSULT", "planned"),
];

#[test]
fn modality_table() {
    let mut failures = Vec::new();
    for (what, text, ty, want) in MODALITIES {
        let out = run(text);
        let got: Vec<&str> = out.events.iter().chain(&out.unrealised).filter(|e| e.event_type == *ty).map(|e| e.modality.as_str()).collect();
        if !got.contains(want) {
            failures.push(format!("{what}: «{text}» wants {ty} {want}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn event_date_table() {
    let mut failures = Vec::new();
    for (what, text, ty, want) in EVENT_DATES {
        let out = run(text);
        let got: Vec<Option<String>> = out.events.iter().filter(|e| e.event_type == *ty).map(|e| e.date.clone()).collect();
        if !got.iter().any(|d| d.as_deref() == Some(*want)) {
            failures.push(format!("{what}: «{text}» wants {ty} on {want}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

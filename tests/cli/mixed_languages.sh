#!/usr/bin/env bash
# Archives that mix languages (issue 17): each article's language detected
# (or named by its source, which wins) and its text stemmed in it; --json
# reports it; a query's words are matched in every language present, or in
# the one --lang names. News items in French, German, Spanish, Russian,
# Japanese, Chinese, Korean and English, made here.
. "$QUARRY_TEST_LIB"

a=$tmp/news
mkdir -p "$a"
cat >"$a/fr.txt" <<'EOF'
Les universités françaises

Les étudiants des universités européennes préfèrent les bibliothèques ouvertes le soir. À Paris, la bibliothèque de l'Opéra accueille chaque été des chercheurs venus de toute la région. Les élèves y découvrent des manuscrits anciens et des cartes géographiques rarement montrées au public.
EOF
cat >"$a/de.txt" <<'EOF'
Die Brücken der Stadt

Die Stadtverwaltung hat beschlossen, die alten Brücken über den Fluss im nächsten Frühjahr zu erneuern. Viele Bürger fürchten, dass der Verkehr während der Bauarbeiten völlig zusammenbricht. Die Straße am Ufer wird deshalb für Fußgänger und Radfahrer geöffnet.
EOF
cat >"$a/es.txt" <<'EOF'
La canción del verano

Los músicos de la orquesta nacional presentaron ayer una nueva canción en el teatro de la ciudad. El público aplaudió durante varios minutos y los críticos elogiaron la interpretación. La próxima gira comenzará en otoño por las principales ciudades de América del Sur.
EOF
cat >"$a/ru.txt" <<'EOF'
Новые книги

Городская библиотека получила в этом году много новых книг для детей и взрослых. Читатели могут взять книгу на две недели, а студенты университета получают доступ к редким изданиям. Библиотека работает каждый день, кроме воскресенья.
EOF
cat >"$a/ja.txt" <<'EOF'
東京の天気

東京では今週、雨の日が続いています。気象庁によると、週末には晴れる見込みです。多くの人が傘を持って駅に向かいました。
EOF
cat >"$a/zh.txt" <<'EOF'
北京的图书馆

北京的图书馆每天都有很多学生来学习。这个图书馆有很多中文书和外文书。学生们在这里读书，写作业，准备考试。
EOF
cat >"$a/ko.txt" <<'EOF'
서울의 지하철

서울의 지하철은 매일 수백만 명의 시민이 이용합니다. 지하철 노선은 도시 전체를 연결하고 있습니다. 출근 시간에는 열차가 매우 붐빕니다.
EOF
cat >"$a/en.txt" <<'EOF'
Running the harbour

The harbour master explained how the ships are guided into port during storms. Sailors listen to the radio and follow the lights along the breakwater. Most of the cargo arriving this month is grain and timber.
EOF
# languages the sources name, which win over the text's: an English text
# filed as Canadian French, another as Italian, an English page marked
# Spanish, an English e-mail marked French, and a German note too short
# for the detector that its front matter calls German
cat >"$a/named.jsonl" <<'EOF'
{"id": "jl-1", "title": "Harbour news", "text": "The harbour of the city reopened this morning after the storm, and the first ships unloaded grain and timber on the quay.", "lang": "fr-CA"}
{"id": "jl-2", "title": "Garden news", "text": "The gardens of the city reopened this morning after the storm, and the first visitors walked along the river.", "language": "Italian"}
EOF
cat >"$a/page.html" <<'EOF'
<!DOCTYPE html>
<html lang="es"><head><title>Museum news</title></head>
<body><p>The museum of the city reopened this morning after the storm, and the first visitors saw the new paintings in the great hall.</p></body></html>
EOF
cat >"$a/letter.eml" <<'EOF'
From: Port Office <port@example.org>
Subject: Office hours
Date: Mon, 1 Jun 2020 10:00:00 +0000
Content-Language: fr
Content-Type: text/plain; charset=utf-8

The post office opens at nine every morning this summer, and the letters leave the counter at noon once they are sorted.
EOF
cat >"$a/note.md" <<'EOF'
---
title: Notiz
lang: de
---
Kurze Notiz.
EOF

run "$QUARRY_INDEX" -q --db "$tmp/idx" "$a"
expect_rc 0 "indexing the news"

# lang_of ID: the language --json reports for article ID
lang_of() {
    run "$QUARRY_QUERY" --db "$tmp/idx" --json -n 100 -- "lang:$2"
    jq -r --arg id "$1" 'select(.article_id | endswith($id)) | .lang' "$tmp/out"
}
# each article's language: detected from its text, or named by its source
for f in fr de es ru ja zh ko en; do
    got=$(lang_of "$f.txt" "$f")
    [ "$got" = "$f" ] || { cat "$tmp/out" >&2; fail "$f.txt: language '$got', not $f"; }
done
[ "$(lang_of jl-1 fr)" = fr ] || fail "jl-1's lang field (fr-CA) should win over its English text"
[ "$(lang_of jl-2 it)" = it ] || fail "jl-2's language field (Italian) should be it"
[ "$(lang_of page.html es)" = es ] || fail "<html lang=es> should win over the page's English"
[ "$(lang_of note.md de)" = de ] || fail "note.md's front matter lang should be de"
[ "$(lang_of letter.eml fr)" = fr ] || fail "the e-mail's Content-Language should win"
# lang: filters to exactly those articles
run "$QUARRY_QUERY" --db "$tmp/idx" --json -n 100 -- "lang:en"
expect_rc 0 "lang:en"
[ "$(jq -r .article_id "$tmp/out")" = "$a/en.txt" ] ||
    { cat "$tmp/out" >&2; fail "lang:en should list en.txt alone"; }

# accent-free queries find the accented words (finds: lib.sh)
finds universites fr.txt universités
finds brucken de.txt Brücken
finds cancion es.txt canción
# another form of a word finds it, stemmed in the article's language
finds accueillir fr.txt accueille
finds brücke de.txt Brücken
finds presentar es.txt presentaron
finds nacionales es.txt nacional
finds книга ru.txt книг
# a phrase, in the text of its language
finds '"universites europeennes"' fr.txt 'universités européennes'
finds '"новых книг"' ru.txt 'новых книг'
# CJK words of two and three characters, the right passage highlighted
finds 東京 ja.txt 東京
finds 気象庁 ja.txt 気象庁
finds 图书馆 zh.txt 图书馆
finds 学生 zh.txt 学生
finds 지하철 ko.txt 지하철
finds 서울 ko.txt 서울
# English as before
finds harbour en.txt harbour
finds 'ships guided' en.txt ships

# the text output names the language on the source line (the index has
# several)
run "$QUARRY_QUERY" --db "$tmp/idx" -- universites
expect_rc 0 "universites as text"
grep -q "fr.txt, .*, fr, passage 1/1" "$tmp/out" ||
    { cat "$tmp/out" >&2; fail "the source line should name the language"; }

# the plain-text articles with detection off (no fingerprints): every one
# is English, and the other languages' forms no longer meet
mkdir "$tmp/plain"
cp "$a"/*.txt "$tmp/plain/"
QUARRY_TEXTCAT_DIR=$tmp/none run "$QUARRY_INDEX" -q --db "$tmp/english" "$tmp/plain"
expect_rc 0 "indexing without detection"
for q in accueillir brücke presentar книга; do
    run "$QUARRY_QUERY" --db "$tmp/english" --json -- "$q"
    expect_rc 1 "'$q' where its article was stemmed as English"
done
run "$QUARRY_QUERY" --db "$tmp/english" --json -- "lang:en"
[ "$(jq -r .lang "$tmp/out" | sort -u)" = en ] || fail "without detection every article is English"

# --lang: one language, stemmed in it
finds brucke de.txt Brücken --lang de
finds brucke de.txt Brücken --lang german
run "$QUARRY_QUERY" --db "$tmp/idx" --json --lang fr -- brucke
expect_rc 1 "brucke in the French articles"
run "$QUARRY_QUERY" --db "$tmp/idx" --json --lang de -- harbour
expect_rc 1 "harbour in the German articles"
run "$QUARRY_QUERY" --db "$tmp/idx" --lang nl -- brucke
expect_rc 2 "--lang of a language the index lacks"
grep -q "no articles in 'nl'" "$tmp/err" || fail "the error should name the language"
run "$QUARRY_QUERY" --db "$tmp/idx" --lang klingonese -- brucke
expect_rc 2 "--lang of no language"

# the languages follow the archive: an incremental run that drops the
# Russian article drops Russian
rm "$a/ru.txt"
run "$QUARRY_INDEX" -q --db "$tmp/idx" "$a"
expect_rc 0 "the incremental run"
run "$QUARRY_QUERY" --db "$tmp/idx" --lang ru -- книга
expect_rc 2 "--lang ru once the Russian article is gone"
echo "ok"

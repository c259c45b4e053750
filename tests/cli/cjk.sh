#!/usr/bin/env bash
# Chinese, Japanese and Korean text (issue 17): indexed as xapian-core's
# CJK n-grams (each character and each pair of neighbours), so a word of
# two or three characters finds the articles that have it, with those
# characters highlighted; phrases, mixed CJK/Latin text, passages of text
# without spaces, and English queries on the same index.
. "$QUARRY_TEST_LIB"

a=$tmp/news
mkdir -p "$a"
printf '東京の天気\n\n今日の東京の天気は晴れです。明日は雨が降るでしょう。週末は気温が下がります。\n' >"$a/ja.txt"
printf '北京新闻\n\n北京市政府发布了新的环境政策。空气质量将得到改善。专家表示欢迎。\n' >"$a/zh.txt"
printf '서울 소식\n\n서울의 날씨는 맑습니다. 내일은 비가 올 것입니다. 시민들은 우산을 준비했습니다.\n' >"$a/ko.txt"
printf 'Tech news\n\nThe Quarry search engine は東京で発表された。It supports 中文检索 and Japanese text alike.\n' >"$a/mixed.txt"
printf 'Weather report\n\nThe weather in London is rainy today, and the forecast promises more rain.\n' >"$a/en.txt"
# a long Chinese article, one paragraph without spaces: 120 sentences
for i in $(seq 1 120); do printf '政府今天发布了关于城市交通的新规定。'; done >"$a/long.txt"

run "$QUARRY_INDEX" -q --db "$tmp/idx" "$a"
expect_rc 0 "indexing the news"

# (finds: lib.sh)
finds 東京 ja.txt 東京
finds 天気 ja.txt 天気
finds 北京 zh.txt 北京
finds 环境 zh.txt 环境
finds 政策 zh.txt 政策
finds 서울 ko.txt 서울
finds 날씨 ko.txt 날씨
finds 中文检索 mixed.txt 中文检索
finds 発表 mixed.txt 発表
finds '"東京の天気"' ja.txt 東京の天気
finds 'Quarry' mixed.txt Quarry
finds weather en.txt weather
finds 'london rain' en.txt London

# a word that is not there finds nothing
run "$QUARRY_QUERY" --db "$tmp/idx" -- 大阪
expect_rc 1 "大阪 is in no article"

# the long Chinese paragraph: split into passages of sensible size, cut at
# sentence ends
run "$QUARRY_QUERY" --db "$tmp/idx" --json -n 50 -- 交通
expect_rc 0 "query 交通"
np=$(jq -r 'select(.article_id | endswith("/long.txt")) | .passages' "$tmp/out" | head -1)
[ -n "$np" ] && [ "$np" -ge 3 ] ||
    fail "the long Chinese article should be several passages, got '$np'"
jq -r 'select(.article_id | endswith("/long.txt")) | .text' "$tmp/out" | while read -r t; do
    case "$t" in *。) ;; *) fail "a passage should end at a sentence end: ${t: -10}" ;; esac
done
echo "ok"

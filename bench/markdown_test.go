package main

import (
	"bytes"
	"strings"
	"testing"
)

// section returns the part of md from the heading to the next heading of
// the same or a higher level.
func section(md, heading string) string {
	i := strings.Index(md, heading+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i+len(heading)+1:]
	level := heading[:strings.Index(heading, " ")+1] // "## " or "### "
	for _, h := range []string{"\n" + level, "\n## "} {
		if j := strings.Index(rest, h); j >= 0 {
			rest = rest[:j]
		}
	}
	return rest
}

// TestTableHasEveryRow: every row of the results, measured, failed or
// skipped, has its line in its workload's table of results.md, and every
// target is in the table of targets.
func TestTableHasEveryRow(t *testing.T) {
	r := fixture(t)
	var b bytes.Buffer
	if err := writeMarkdown(&b, r, "results.svg", "x.json"); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	targets := section(md, "## The targets")
	for i := range r.Rows {
		row := &r.Rows[i]
		if !strings.Contains(targets, "\n| "+row.Target+" |") {
			t.Errorf("%s is missing from the table of targets", row.Target)
		}
		if row.Workload == "c10k" {
			if !strings.Contains(section(md, "## c10k: 10,000 idle connections"), "\n| "+rowName(row)+" |") {
				t.Errorf("%s is missing from the c10k table", row.Target)
			}
			continue
		}
		if !strings.Contains(section(md, "### "+row.Workload), "\n| "+rowName(row)+" |") {
			t.Errorf("%s %s is missing from its workload's table", row.Target, row.Workload)
		}
	}
}

// TestArticleTableColumns: each of the article's rows has its figure (the
// todo explained), the same model in Python here, and our Go stage.
func TestArticleTableColumns(t *testing.T) {
	var b strings.Builder
	writeArticle(&b, fixture(t))
	want := []string{
		"| The article's server | Its QPS (2020, its machine) | The article's model in Python, here | Our Go stage | Ours, keep-alive | Ours, Connection: close | That model's Little's-law bound |",
		"| Single process | not measured (the article's table says `todo`) | skipped (article-py-iterative) | 02-simple-wsgi | 4.70 | not run | one connection at a time: 1 / 0.2 s = 5.00 |",
		"| Multi-process (fork per connection) | 739 | not run (article-py-fork) | 03-fork | **failed** | not run |",
		"| Non-blocking I/O (select, app in the loop) | 4128 | 4.87 (article-py-select) | 04-select-inline | 4.90 | not run | select loop, app inside the loop: 1 / 0.2 s = 5.00 |",
		"| Gunicorn -w 8 (sync workers) | 3613 | skipped (gunicorn) | 03-fork-prefork8 | not run | not run |",
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w) {
			t.Errorf("the article's table lacks\n%s\nin:\n%s", w, b.String())
		}
	}
}

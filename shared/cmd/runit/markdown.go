package main

import (
	"strings"
)

// A command is one shell command line of a Markdown file's code blocks.
type command struct {
	line int    // 1-based line of its first line in the file
	text string // without the prompt; continuation lines joined by "\n"
}

// shellInfo lists the info strings of the fenced blocks that hold shell
// commands or transcripts; blocks of other languages (go, diff, python,
// mermaid) are never read.
var shellInfo = map[string]bool{
	"": true, "sh": true, "bash": true, "shell": true, "console": true,
	"shell-session": true, "text": true,
}

// commands returns the command lines of the fenced code blocks (CommonMark
// 4.5) in a Markdown file. In a block with "$ " prompts, a command is a
// line that starts with "$ " (after the block's indentation) and the lines
// its open quotes or trailing backslashes carry on to; every other line is
// output. A block tagged sh, bash or shell with no prompt at all is a
// script: each of its non-blank, non-comment lines is a command. Untagged
// and console blocks without prompts are output only.
func commands(src string) []command {
	lines := strings.Split(src, "\n")
	var out []command
	for i := 0; i < len(lines); i++ {
		fence, info, ok := openFence(lines[i])
		if !ok {
			continue
		}
		start := i + 1
		end := start
		for end < len(lines) && !closesFence(lines[end], fence) {
			end++
		}
		skipped := skipDirective(lines[:i])
		i = end
		if !shellInfo[info] || skipped {
			continue
		}
		body := lines[start:end]
		prompted := false
		for _, l := range body {
			if strings.HasPrefix(strings.TrimLeft(l, " \t"), "$ ") {
				prompted = true
				break
			}
		}
		script := !prompted && (info == "sh" || info == "bash" || info == "shell")
		for j := 0; j < len(body); j++ {
			l := strings.TrimLeft(body[j], " \t")
			switch {
			case prompted && strings.HasPrefix(l, "$ "):
				l = l[2:]
			case script && l != "" && !strings.HasPrefix(l, "#"):
			default:
				continue
			}
			first := j
			// A line that ends inside a quote or with a backslash goes
			// on on the next one (python3 -c '...' across lines).
			for j+1 < len(body) {
				if _, err := splitCommands(l); err != errUnterminated {
					break
				}
				j++
				l += "\n" + body[j]
			}
			out = append(out, command{line: start + first + 1, text: l})
		}
	}
	return out
}

// openFence reports whether line opens a fenced code block, and returns
// its fence (``` or ~~~, possibly longer) and the first word of its info
// string.
func openFence(line string) (fence, info string, ok bool) {
	// Any indentation: a block inside a list item is indented as deep
	// as the item's text.
	t := strings.TrimLeft(line, " ")
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return "", "", false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return "", "", false
	}
	rest := strings.TrimSpace(t[n:])
	if t[0] == '`' && strings.Contains(rest, "`") {
		return "", "", false
	}
	if f := strings.Fields(rest); len(f) > 0 {
		info = strings.ToLower(f[0])
	}
	return t[:n], info, true
}

// closesFence reports whether line closes a block opened with fence: the
// same character, at least as many, nothing else but spaces.
func closesFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	if len(t) < len(fence) {
		return false
	}
	return strings.Trim(t, fence[:1]) == ""
}

// skipComment makes runit pass over the next block.
const skipComment = "<!-- runit: skip -->"

// skipDirective reports whether the last non-blank line before a block is
// the skip comment.
func skipDirective(before []string) bool {
	for j := len(before) - 1; j >= 0; j-- {
		if t := strings.TrimSpace(before[j]); t != "" {
			return t == skipComment
		}
	}
	return false
}

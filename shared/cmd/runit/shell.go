package main

import (
	"errors"
	"strings"
)

// A word is one shell word of a command line, its quotes removed.
type word struct {
	text string
	// dynamic is true when the shell would expand part of the word
	// ($VAR, $(cmd), `cmd`, or an unquoted glob), so its text is not
	// what the command receives and the word is not checked.
	dynamic bool
}

// errUnterminated means the line ends inside a quote, a $(...) or after
// a backslash: the command goes on on the next line.
var errUnterminated = errors.New("unterminated quote or continuation")

// splitCommands splits a shell command line into its simple commands
// (the pieces between |, ||, &, &&, ;, (, ) and newlines), each a list of
// words with redirections (>f, 2>&1, <f) and comments removed. It is a
// small subset of the POSIX shell grammar (XCU 2.3, 2.6.7): enough for
// the commands the chapters show; anything it cannot read is an error
// and the line is skipped.
func splitCommands(line string) ([][]word, error) {
	var (
		cmds    [][]word
		cur     []word
		b       strings.Builder
		inWord  bool
		dynamic bool
		redir   bool // the next word is a redirection target: drop it
	)
	endWord := func() {
		if !inWord {
			return
		}
		if redir {
			redir = false
		} else {
			cur = append(cur, word{text: b.String(), dynamic: dynamic})
		}
		b.Reset()
		inWord, dynamic = false, false
	}
	endCmd := func() {
		endWord()
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '\n':
			endCmd()
		case c == '#' && !inWord:
			// A comment runs to the end of the line.
			for i < len(line) && line[i] != '\n' {
				i++
			}
			i--
		case c == '\\':
			if i+1 >= len(line) {
				return nil, errUnterminated
			}
			i++
			if line[i] != '\n' { // backslash-newline joins lines
				b.WriteByte(line[i])
				inWord = true
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errUnterminated
			}
			b.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				switch line[j] {
				case '\\':
					if j+1 < len(line) && strings.IndexByte("$`\"\\\n", line[j+1]) >= 0 {
						j++
					}
					b.WriteByte(line[j])
				case '$', '`':
					n, err := expansion(line[j:])
					if err != nil {
						return nil, err
					}
					b.WriteString(line[j : j+n])
					dynamic = true
					j += n - 1
				default:
					b.WriteByte(line[j])
				}
			}
			if j >= len(line) {
				return nil, errUnterminated
			}
			inWord = true
			i = j
		case c == '$' || c == '`':
			n, err := expansion(line[i:])
			if err != nil {
				return nil, err
			}
			b.WriteString(line[i : i+n])
			inWord, dynamic = true, true
			i += n - 1
		case c == '*' || c == '?' || c == '[':
			b.WriteByte(c)
			inWord, dynamic = true, true
		case c == '>' || c == '<':
			// A word of digits right before it is a file descriptor
			// (2>&1), not an argument.
			if inWord && !dynamic && isDigits(b.String()) {
				b.Reset()
				inWord = false
			}
			endWord()
			for i+1 < len(line) && strings.IndexByte("<>&|", line[i+1]) >= 0 {
				i++
			}
			redir = true
		case c == '&' && i+1 < len(line) && line[i+1] == '>':
			endWord()
			i++
			for i+1 < len(line) && line[i+1] == '>' {
				i++
			}
			redir = true
		case c == '|' || c == '&' || c == ';' || c == '(' || c == ')':
			endCmd()
		default:
			b.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds, nil
}

// expansion returns the length of the expansion s starts with: $NAME,
// $1, ${...}, $(...) (nested, with quotes) or `...` (XCU 2.6). A lone $
// is 1 long.
func expansion(s string) (int, error) {
	if s[0] == '`' {
		end := strings.IndexByte(s[1:], '`')
		if end < 0 {
			return 0, errUnterminated
		}
		return end + 2, nil
	}
	if len(s) == 1 {
		return 1, nil
	}
	switch s[1] {
	case '{':
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return 0, errUnterminated
		}
		return end + 1, nil
	case '(':
		depth := 0
		for j := 1; j < len(s); j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			case '\'':
				end := strings.IndexByte(s[j+1:], '\'')
				if end < 0 {
					return 0, errUnterminated
				}
				j += end + 1
			case '"':
				end := strings.IndexByte(s[j+1:], '"')
				if end < 0 {
					return 0, errUnterminated
				}
				j += end + 1
			case '\\':
				j++
			}
		}
		return 0, errUnterminated
	}
	if isNameByte(s[1]) && (s[1] < '0' || s[1] > '9') {
		n := 2
		for n < len(s) && isNameByte(s[n]) {
			n++
		}
		return n, nil
	}
	if strings.IndexByte("?$!#@*-0123456789", s[1]) >= 0 {
		return 2, nil
	}
	return 1, nil // a lone $ is itself
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAssignment reports whether w is a NAME=value word, which before a
// command's name sets its environment (XCU 2.9.1).
func isAssignment(w word) bool {
	eq := strings.IndexByte(w.text, '=')
	if eq <= 0 {
		return false
	}
	for i := 0; i < eq; i++ {
		c := w.text[i]
		if !isNameByte(c) || i == 0 && c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// commandWords strips what comes before a command's name: reserved words
// and time (for ...; do CMD; done, time CMD) and variable assignments
// (PORT=1 CMD). It returns nil for the words of a for, case or function
// header, which are not a command.
func commandWords(ws []word) []word {
	for len(ws) > 0 {
		switch {
		case !ws[0].dynamic && (ws[0].text == "do" || ws[0].text == "then" || ws[0].text == "else" ||
			ws[0].text == "time" || ws[0].text == "!" || ws[0].text == "{" || ws[0].text == "if" ||
			ws[0].text == "while" || ws[0].text == "until" || ws[0].text == "exec"):
			ws = ws[1:]
		case isAssignment(ws[0]):
			ws = ws[1:]
		case !ws[0].dynamic && (ws[0].text == "for" || ws[0].text == "case" || ws[0].text == "done" ||
			ws[0].text == "fi" || ws[0].text == "esac" || ws[0].text == "}"):
			return nil
		default:
			return ws
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// helpTimeout bounds a program's run with -h: a program that does not
// parse flags would start serving instead of printing its usage.
const helpTimeout = 30 * time.Second

// A checker checks the commands of the Markdown files against the
// repository at root, caching what it builds and lists.
type checker struct {
	root    string
	tmp     string    // the built programs
	verbose io.Writer // with -v, what was checked; else nil
	out     io.Writer // the problems

	tops     map[string]bool     // the repository's top-level entries
	programs map[string]*program // by package directory ("05-poll")
	tests    map[string]testList // by package pattern (go test -list .)
	packages map[string]error    // by package pattern (go list)
	problems int
	checked  int // checks passed
}

// A program is a built package and the flags its -h output defines.
type program struct {
	flags map[string]bool
	err   error // the build or -h failed; reported once
	told  bool  // err was reported
}

// A testList is the names go test -list . prints for a package pattern.
type testList struct {
	names []string
	err   error
}

// newChecker returns a checker for the repository at root that builds
// programs in tmp.
func newChecker(root, tmp string, out, verbose io.Writer) (*checker, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("reading the repository root: %w", err)
	}
	tops := map[string]bool{}
	for _, e := range entries {
		tops[e.Name()] = true
	}
	return &checker{
		root: root, tmp: tmp, out: out, verbose: verbose, tops: tops,
		programs: map[string]*program{},
		tests:    map[string]testList{},
		packages: map[string]error{},
	}, nil
}

// A site is where a command is: its file and line, and its short name
// for messages ("go run ./05-poll").
type site struct {
	file  string
	line  int
	label string
}

func (c *checker) problem(at site, format string, args ...any) {
	c.problems++
	fmt.Fprintf(c.out, "%s:%d: %s: %s\n", at.file, at.line, at.label, fmt.Sprintf(format, args...))
}

func (c *checker) ok(at site, format string, args ...any) {
	c.checked++
	if c.verbose != nil {
		fmt.Fprintf(c.verbose, "%s:%d: %s: ok: %s\n", at.file, at.line, at.label, fmt.Sprintf(format, args...))
	}
}

func (c *checker) skip(at site, format string, args ...any) {
	if c.verbose != nil {
		fmt.Fprintf(c.verbose, "%s:%d: skipped: %s\n", at.file, at.line, fmt.Sprintf(format, args...))
	}
}

// checkFile checks every command of one Markdown file. binaries maps
// the output of each go build -o in the file to its package, so that
// ./01-echo/01-echo -v is checked as that program: the package of the
// latest build before the command, or of the first one after it (a
// chapter may run the binary before it shows how it was built).
func (c *checker) checkFile(file, src string) {
	cmds := commands(src)
	binaries := buildOutputs(cmds)
	for _, cmd := range cmds {
		at := site{file: file, line: cmd.line}
		simple, err := splitCommands(cmd.text)
		if err != nil {
			at.label = firstLine(cmd.text)
			c.skip(at, "%q: %v", at.label, err)
			continue
		}
		for _, ws := range simple {
			c.checkCommand(at, commandWords(ws), binaries)
		}
	}
}

// buildOutputs maps the output of each go build -o ./DIR in cmds to
// DIR, the first build of each output only.
func buildOutputs(cmds []command) map[string]string {
	outs := map[string]string{}
	for _, cmd := range cmds {
		simple, err := splitCommands(cmd.text)
		if err != nil {
			continue
		}
		for _, ws := range simple {
			ws = commandWords(ws)
			if len(ws) < 2 || ws[0].text != "go" || ws[1].text != "build" {
				continue
			}
			out, target, _, ok := goRunArgs(ws)
			if !ok || out.text == "" || out.dynamic || target.dynamic || !strings.HasPrefix(target.text, "./") {
				continue
			}
			if _, seen := outs[path.Clean(out.text)]; !seen {
				outs[path.Clean(out.text)] = path.Clean(target.text)
			}
		}
	}
	return outs
}

// checkCommand checks one simple command; what it does not know is
// skipped.
func (c *checker) checkCommand(at site, ws []word, binaries map[string]string) {
	if len(ws) == 0 || ws[0].dynamic {
		return
	}
	name := ws[0].text
	switch {
	case name == "go" && len(ws) > 1 && !ws[1].dynamic && (ws[1].text == "run" || ws[1].text == "build"):
		c.goRunOrBuild(at, ws, binaries)
	case name == "go" && len(ws) > 1 && !ws[1].dynamic && ws[1].text == "test":
		c.goTest(at, ws)
	case name == "git" && len(ws) > 1 && !ws[1].dynamic && ws[1].text == "apply":
		at.label = "git apply"
		for _, w := range ws[2:] {
			if !strings.HasPrefix(w.text, "-") {
				c.path(at, w)
			}
		}
	case name == "bash" || name == "sh" || name == "python3":
		// The script is the first argument that is not a flag; with -c
		// the arguments are code.
		at.label = name
		for _, w := range ws[1:] {
			if w.text == "-c" {
				break
			}
			if !strings.HasPrefix(w.text, "-") {
				c.path(at, w)
				break
			}
		}
	case strings.Contains(name, "/"):
		c.binary(at, ws, binaries)
	default:
		c.skip(at, "%s (not a command this tool knows)", name)
	}
}

// goFlagsWithValue are the go command's build and test flags that take a
// separate value (go help build, go help testflag); others are boolean.
var goFlagsWithValue = map[string]bool{
	"C": true, "o": true, "p": true, "asmflags": true, "buildmode": true, "compiler": true,
	"covermode": true, "coverpkg": true, "gccgoflags": true, "gcflags": true, "installsuffix": true,
	"ldflags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true, "pkgdir": true,
	"tags": true, "toolexec": true, "exec": true,
	// go test
	"run": true, "skip": true, "bench": true, "benchtime": true, "count": true, "cpu": true,
	"timeout": true, "fuzz": true, "fuzztime": true, "fuzzminimizetime": true, "list": true,
	"parallel": true, "shuffle": true, "coverprofile": true, "cpuprofile": true,
	"memprofile": true, "memprofilerate": true, "blockprofile": true, "blockprofilerate": true,
	"mutexprofile": true, "mutexprofilefraction": true, "outputdir": true, "trace": true, "vet": true,
}

// goFlag splits a go command flag word: its name and value, and whether
// the value is in the word (-run=X).
func goFlag(t string) (name, value string, inline bool) {
	name = strings.TrimLeft(t, "-")
	name, value, inline = strings.Cut(name, "=")
	return name, value, inline
}

// goRunArgs splits the words of go run or go build: the -o value, the
// package, and the program's arguments after it. ok is false when there
// is no package.
func goRunArgs(ws []word) (out, target word, args []word, ok bool) {
	i := 2
	for ; i < len(ws) && strings.HasPrefix(ws[i].text, "-"); i++ {
		name, _, inline := goFlag(ws[i].text)
		if !inline && goFlagsWithValue[name] && i+1 < len(ws) {
			i++
			if name == "o" {
				out = ws[i]
			}
		}
	}
	if i >= len(ws) {
		return out, word{}, nil, false
	}
	return out, ws[i], ws[i+1:], true
}

// goRunOrBuild checks go run ./PKG [flags] and go build [-o OUT] ./PKG.
func (c *checker) goRunOrBuild(at site, ws []word, binaries map[string]string) {
	sub := ws[1].text
	out, target, args, ok := goRunArgs(ws)
	if !ok || target.dynamic {
		at.label = "go " + sub
		c.skip(at, "go %s with no package this tool can read", sub)
		return
	}
	at.label = "go " + sub + " " + target.text
	if target.text != "." && !strings.HasPrefix(target.text, "./") {
		c.skip(at, "%s: only ./DIR packages are checked", at.label)
		return
	}
	pkg := path.Clean(target.text)
	if !c.isPackage(pkg) {
		c.problem(at, "no Go package in %s", target.text)
		return
	}
	c.ok(at, "package %s", target.text)
	if sub == "build" {
		if out.text != "" && !out.dynamic {
			binaries[path.Clean(out.text)] = pkg
		}
		return
	}
	c.programArgs(at, pkg, args)
}

// binary checks a command run by its path: a program built by an
// earlier go build -o (or go build's default name, DIR/base(DIR)), whose
// flags are checked, or a file of the repository (./05-poll/wrk.sh).
func (c *checker) binary(at site, ws []word, binaries map[string]string) {
	name := ws[0].text
	at.label = name
	clean := path.Clean(name)
	if pkg, ok := binaries[clean]; ok {
		c.ok(at, "built from ./%s by a go build -o in the file", pkg)
		c.programArgs(at, pkg, ws[1:])
		return
	}
	if !c.inRepo(name) {
		c.skip(at, "%s (not in the repository)", name)
		return
	}
	// Before the file test: a binary left from a local go build is
	// still checked as its package.
	if dir := path.Dir(clean); path.Base(dir) == path.Base(clean) && c.isPackage(dir) {
		c.ok(at, "go build's default name for ./%s", dir)
		c.programArgs(at, dir, ws[1:])
		return
	}
	if c.exists(clean) {
		c.ok(at, "%s exists", name)
		for _, w := range ws[1:] {
			if !strings.HasPrefix(w.text, "-") {
				c.path(at, w)
			}
		}
		return
	}
	c.problem(at, "%s does not exist", name)
}

// outputFlag reports whether a flag's value is a file the command
// writes, which need not exist yet.
func outputFlag(name string) bool {
	return name == "o" || name == "out" || name == "outputdir" || strings.HasSuffix(name, "profile")
}

// programArgs checks the arguments of the program built from pkg: each
// flag is defined, each repository path exists.
func (c *checker) programArgs(at site, pkg string, args []word) {
	flags, others := programWords(args)
	for _, name := range flags {
		c.flag(at, pkg, name)
	}
	for _, w := range others {
		c.path(at, w)
	}
}

// programWords splits a program's arguments into the names of the flags
// (-x, --x, -x=v: "x") and the other words, which may be paths: flag
// values, and arguments. The value of an output flag (-o f) and words the
// shell expands are left out.
func programWords(args []word) (flags []string, others []word) {
	flagsDone, output := false, false
	for _, a := range args {
		t := a.text
		switch {
		case a.dynamic:
		case t == "--":
			flagsDone = true
		case !flagsDone && isFlagWord(t):
			name, _, inline := goFlag(t)
			flags = append(flags, name)
			output = !inline && outputFlag(name)
			continue
		case !output:
			others = append(others, a)
		}
		output = false
	}
	return flags, others
}

// flagName matches the names the flag package accepts in practice.
var flagName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// isFlagWord reports whether t is a -flag, --flag or -flag=value word
// (not -, --, or a negative number).
func isFlagWord(t string) bool {
	if len(t) < 2 || t[0] != '-' {
		return false
	}
	name, _, _ := goFlag(t)
	if _, err := strconv.ParseFloat(strings.TrimPrefix(t, "-"), 64); err == nil {
		return false
	}
	return flagName.MatchString(name)
}

// flag checks that the program built from pkg defines the flag.
func (c *checker) flag(at site, pkg, name string) {
	if name == "h" || name == "help" {
		return // the flag package defines them
	}
	p := c.program(pkg)
	if p.err != nil {
		if !p.told {
			p.told = true
			c.problem(at, "%v", p.err)
		}
		return
	}
	if !p.flags[name] {
		c.problem(at, "flag -%s is not defined (go run ./%s -h lists the flags)", name, pkg)
		return
	}
	c.ok(at, "flag -%s", name)
}

// usageFlag matches a flag's line in usage output (flag.PrintDefaults:
// "  -name type" or "  -name\tusage").
var usageFlag = regexp.MustCompile(`(?m)^[ \t]+--?([A-Za-z][A-Za-z0-9_.-]*)(?:[ \t=]|$)`)

// usageFlags returns the flags a usage text defines.
func usageFlags(usage string) map[string]bool {
	flags := map[string]bool{}
	for _, m := range usageFlag.FindAllStringSubmatch(usage, -1) {
		flags[m[1]] = true
	}
	return flags
}

// program builds pkg once and reads the flags from its -h output.
func (c *checker) program(pkg string) *program {
	if p, ok := c.programs[pkg]; ok {
		return p
	}
	p := &program{}
	c.programs[pkg] = p
	bin := filepath.Join(c.tmp, strings.ReplaceAll(pkg, "/", "_"))
	build := exec.Command("go", "build", "-o", bin, "./"+pkg)
	build.Dir = c.root
	if out, err := build.CombinedOutput(); err != nil {
		p.err = fmt.Errorf("go build ./%s: %v: %s", pkg, err, firstLine(string(out)))
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), helpTimeout)
	defer cancel()
	help := exec.CommandContext(ctx, bin, "-h")
	help.Dir = c.root
	help.WaitDelay = time.Second
	var out bytes.Buffer
	help.Stdout, help.Stderr = &out, &out
	err := help.Run()
	if ctx.Err() != nil {
		p.err = fmt.Errorf("./%s -h did not exit within %v", pkg, helpTimeout)
		return p
	}
	p.flags = usageFlags(out.String())
	if len(p.flags) == 0 {
		// Programs print usage and exit 0 or 2 (flag.ErrHelp).
		p.err = fmt.Errorf("./%s -h lists no flags (%v): %s", pkg, err, firstLine(out.String()))
	}
	return p
}

// goTestArgs splits the words of go test: the package patterns, and the
// values of -run, -bench and -fuzz. ok is false when a package pattern
// is not plain text.
func goTestArgs(ws []word) (pkgs []string, regex map[string]word, ok bool) {
	regex = map[string]word{}
	for i := 2; i < len(ws); i++ {
		t := ws[i].text
		if t == "-args" {
			break
		}
		if !strings.HasPrefix(t, "-") {
			if ws[i].dynamic {
				return nil, nil, false
			}
			pkgs = append(pkgs, t)
			continue
		}
		name, value, inline := goFlag(t)
		v := word{text: value, dynamic: ws[i].dynamic}
		if !inline && goFlagsWithValue[name] && i+1 < len(ws) {
			i++
			v = ws[i]
		}
		if name == "run" || name == "bench" || name == "fuzz" {
			regex[name] = v
		}
	}
	return pkgs, regex, true
}

// goTest checks go test [flags] PATTERN...: each package exists, and
// -run, -bench and -fuzz each match a test there.
func (c *checker) goTest(at site, ws []word) {
	pkgs, regex, ok := goTestArgs(ws)
	if !ok {
		at.label = "go test"
		c.skip(at, "go test with a package this tool cannot read")
		return
	}
	at.label = strings.Join(append([]string{"go test"}, pkgs...), " ")
	if len(pkgs) == 0 {
		c.skip(at, "go test in the current directory")
		return
	}
	if len(regex) == 0 {
		for _, pkg := range pkgs {
			if err := c.listPackages(pkg); err != nil {
				c.problem(at, "%v", err)
			} else {
				c.ok(at, "package %s", pkg)
			}
		}
		return
	}
	lists := map[string][]string{}
	for _, pkg := range pkgs {
		l := c.testNames(pkg)
		if l.err != nil {
			c.problem(at, "%v", l.err)
			continue
		}
		lists[pkg] = l.names
	}
	for _, flag := range []string{"run", "bench", "fuzz"} {
		if v, ok := regex[flag]; ok && !v.dynamic {
			c.testRegex(at, flag, v.text, pkgs, lists)
		}
	}
}

// testKinds are the name prefixes each go test flag selects.
var testKinds = map[string][]string{
	"run":   {"Test", "Example", "Fuzz"},
	"bench": {"Benchmark"},
	"fuzz":  {"Fuzz"},
}

var testNoun = map[string]string{"run": "test", "bench": "benchmark", "fuzz": "fuzz test"}

// testRegex checks a -run, -bench or -fuzz regexp as go test applies it
// to top-level names: split at top-level | into alternatives, each
// split at / into a path whose first element matches the top-level test
// (testing's splitRegexp). Each alternative must match a name in one of
// the packages, and each package must have a match. A regexp that
// matches the empty string ('^$': run nothing) is not checked.
func (c *checker) testRegex(at site, flag, re string, pkgs []string, lists map[string][]string) {
	var alts []*regexp.Regexp
	for _, alt := range splitRegexp(re) {
		rx, err := regexp.Compile(alt[0])
		if err != nil {
			c.problem(at, "-%s '%s': %v", flag, re, err)
			return
		}
		if rx.MatchString("") {
			c.skip(at, "%s: -%s '%s' matches the empty name", at.label, flag, re)
			return
		}
		alts = append(alts, rx)
	}
	matches := func(rx *regexp.Regexp, pkg string) bool {
		for _, name := range lists[pkg] {
			if hasKind(name, testKinds[flag]) && rx.MatchString(name) {
				return true
			}
		}
		return false
	}
	var listed []string
	for _, pkg := range pkgs {
		if _, ok := lists[pkg]; ok {
			listed = append(listed, pkg)
		}
	}
	if len(listed) == 0 {
		return
	}
	failed := false
	if len(alts) > 1 {
		for _, rx := range alts {
			found := false
			for _, pkg := range listed {
				found = found || matches(rx, pkg)
			}
			if !found {
				failed = true
				c.problem(at, "-%s alternative '%s' matches no %s in %s", flag, rx.String(), testNoun[flag], strings.Join(listed, " "))
			}
		}
	}
	if failed && len(listed) == 1 {
		return
	}
	for _, pkg := range listed {
		found := false
		for _, rx := range alts {
			found = found || matches(rx, pkg)
		}
		if !found {
			c.problem(at, "-%s '%s' matches no %s in %s", flag, re, testNoun[flag], pkg)
		} else {
			c.ok(at, "-%s '%s' matches in %s", flag, re, pkg)
		}
	}
}

func hasKind(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// splitRegexp splits a go test -run regexp as the testing package does:
// at top-level | into alternatives, each at top-level / into the
// elements matched against a test and its subtests.
func splitRegexp(s string) [][]string {
	var alts [][]string
	var elems []string
	brackets, parens := 0, 0
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			brackets++
		case ']':
			if brackets > 0 {
				brackets--
			}
		case '(':
			if brackets == 0 {
				parens++
			}
		case ')':
			if brackets == 0 {
				parens--
			}
		case '\\':
			i++
		case '/', '|':
			if brackets == 0 && parens == 0 {
				elems = append(elems, s[start:i])
				start = i + 1
				if s[i] == '|' {
					alts = append(alts, elems)
					elems = nil
				}
			}
		}
	}
	return append(alts, append(elems, s[start:]))
}

// testNames runs go test -list . PATTERN once per pattern.
func (c *checker) testNames(pattern string) testList {
	if l, ok := c.tests[pattern]; ok {
		return l
	}
	cmd := exec.Command("go", "test", "-list", ".", pattern)
	cmd.Dir = c.root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var l testList
	if err := cmd.Run(); err != nil {
		l.err = fmt.Errorf("go test -list . %s: %s", pattern, firstLine(stderr.String()+stdout.String()+err.Error()))
	} else if strings.Contains(stderr.String(), "matched no packages") {
		l.err = fmt.Errorf("package pattern %s matches no packages", pattern)
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if hasKind(line, []string{"Test", "Benchmark", "Fuzz", "Example"}) && !strings.ContainsAny(line, " \t") {
			l.names = append(l.names, line)
		}
	}
	sort.Strings(l.names)
	c.tests[pattern] = l
	return l
}

// listPackages checks that go list finds the package pattern.
func (c *checker) listPackages(pattern string) error {
	if err, ok := c.packages[pattern]; ok {
		return err
	}
	cmd := exec.Command("go", "list", pattern)
	cmd.Dir = c.root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	switch {
	case err != nil:
		err = fmt.Errorf("go list %s: %s", pattern, firstLine(stderr.String()+err.Error()))
	case strings.TrimSpace(stdout.String()) == "":
		err = fmt.Errorf("package pattern %s matches no packages", pattern)
	}
	c.packages[pattern] = err
	return err
}

// inRepo reports whether t looks like a path in the repository: ./x, or
// a relative path whose first element is a top-level entry (docs/x).
func (c *checker) inRepo(t string) bool {
	if strings.Contains(t, "://") || strings.HasPrefix(t, "/") || strings.HasPrefix(t, "../") {
		return false
	}
	if strings.HasPrefix(t, "./") {
		return len(t) > 2
	}
	first, _, ok := strings.Cut(t, "/")
	return ok && c.tops[first]
}

// path checks that a word that looks like a repository path exists.
func (c *checker) path(at site, w word) {
	if w.dynamic || !c.inRepo(w.text) {
		return
	}
	if !c.exists(path.Clean(w.text)) {
		c.problem(at, "%s does not exist", w.text)
		return
	}
	c.ok(at, "%s exists", w.text)
}

func (c *checker) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(rel)))
	return err == nil
}

// isPackage reports whether dir (relative to the root) holds Go files.
func (c *checker) isPackage(dir string) bool {
	entries, err := os.ReadDir(filepath.Join(c.root, filepath.FromSlash(dir)))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return line
}

package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// Merge records a later run whose rows were put into a results file with
// -merge: which rows it re-measured, and when.
type Merge struct {
	// Command is the later run's command line.
	Command string `json:"command"`
	// Started and Finished bound the later run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Commit is the repository's commit for the later run.
	Commit string `json:"commit,omitempty"`
	// Host is the later run's machine, when it is not the file's own.
	Host string `json:"host,omitempty"`
	// Source is the later run's own results file, relative to this one.
	Source string `json:"source,omitempty"`
	// Rows names the rows it measured: "target workload".
	Rows []string `json:"rows"`
}

// mergeResults puts src's rows into dst: a row replaces dst's row of the
// same target and workload in place, and a new one goes after the last
// row of its workload (or at the end, with its workload added), and the
// version of a peer dst does not know joins dst's versions. The rows'
// raw-output paths, relative to src's file at srcPath, are rewritten
// relative to dst's at dstPath. The runs must have the same duration and
// repetitions, so every row of dst is measured alike.
func mergeResults(dst, src *Results, dstPath, srcPath string) error {
	if err := sameSettings(dst, src, dstPath); err != nil {
		return err
	}
	m := Merge{Command: src.Command, Started: src.Started, Finished: src.Finished, Commit: src.Machine.Commit,
		Source: relTo(dstPath, srcPath)}
	if src.Machine.Host != dst.Machine.Host {
		m.Host = src.Machine.Host
	}
	for k, v := range src.Machine.Versions { // a new peer's version, as python3 for the article's servers
		if _, ok := dst.Machine.Versions[k]; !ok {
			if dst.Machine.Versions == nil {
				dst.Machine.Versions = map[string]string{}
			}
			dst.Machine.Versions[k] = v
		}
	}
	for _, w := range src.Workloads {
		if !hasWorkload(dst, w.Name) {
			dst.Workloads = append(dst.Workloads, w)
		}
	}
	for _, row := range src.Rows {
		row.Raw = rebase(row.Raw, srcPath, dstPath)
		for i := range row.Runs {
			row.Runs[i].Raw = rebase(row.Runs[i].Raw, srcPath, dstPath)
		}
		m.Rows = append(m.Rows, row.Target+" "+row.Workload)
		if old := findRow(dst, row.Target, row.Workload); old != nil {
			*old = row
			continue
		}
		at := len(dst.Rows)
		for i := range dst.Rows {
			if dst.Rows[i].Workload == row.Workload {
				at = i + 1
			}
		}
		dst.Rows = append(dst.Rows[:at], append([]Row{row}, dst.Rows[at:]...)...)
	}
	dst.Merges = append(dst.Merges, m)
	return nil
}

// sameSettings refuses to merge src into dst when their wrk runs had
// another length or another number of repetitions.
func sameSettings(dst, src *Results, dstPath string) error {
	if src.Duration != dst.Duration || max(src.Runs, 1) != max(dst.Runs, 1) {
		return fmt.Errorf("merge into %s: this run has %s x %d, that file %s x %d: run with -duration %s -runs %d",
			dstPath, src.Duration, max(src.Runs, 1), dst.Duration, max(dst.Runs, 1), dst.Duration, max(dst.Runs, 1))
	}
	return nil
}

// hasWorkload reports whether r ran the workload named name.
func hasWorkload(r *Results, name string) bool {
	for _, w := range r.Workloads {
		if w.Name == name {
			return true
		}
	}
	return false
}

// rebase rewrites raw, a path relative to the file at from, relative to
// the file at to.
func rebase(raw, from, to string) string {
	if raw == "" {
		return raw
	}
	return relTo(to, filepath.Join(filepath.Dir(from), filepath.FromSlash(raw)))
}

// relTo returns path relative to the directory of the file at base, with
// forward slashes; path itself when there is no relative path.
func relTo(base, path string) string {
	absBase, err1 := filepath.Abs(filepath.Dir(base))
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(absBase, absPath)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// mergeInto reads the results file at dstPath, merges the finished run
// at srcPath into it and writes it back.
func mergeInto(dstPath, srcPath string) error {
	dst, err := readResults(dstPath)
	if err != nil {
		return err
	}
	src, err := readResults(srcPath)
	if err != nil {
		return err
	}
	if err := mergeResults(dst, src, dstPath, srcPath); err != nil {
		return err
	}
	return writeResults(dstPath, dst)
}

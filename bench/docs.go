package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names of the generated docs, side by side in one directory.
const (
	markdownName = "results.md"
	chartName    = "results.svg"
)

// renderDocs reads a results file and writes results.md and results.svg
// into dir. root is the repository root; the Markdown names the results
// file relative to it.
func renderDocs(jsonPath, dir, root string, log io.Writer) error {
	res, err := readResults(jsonPath)
	if err != nil {
		return err
	}
	source := jsonPath
	if abs, err := filepath.Abs(jsonPath); err == nil {
		if rel, err := filepath.Rel(root, abs); err == nil {
			source = filepath.ToSlash(rel)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("docs directory: %w", err)
	}
	var md, svg bytes.Buffer
	if err := writeMarkdown(&md, res, chartName, source); err != nil {
		return err
	}
	if err := writeChart(&svg, res); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, markdownName), md.Bytes()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, chartName), svg.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s and %s\n", filepath.Join(dir, markdownName), filepath.Join(dir, chartName))
	return nil
}

// The offline segment store. See docs/segment-format.md.

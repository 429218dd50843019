"""Pure domain rules: no Flask, no database; plain values in, plain values out."""

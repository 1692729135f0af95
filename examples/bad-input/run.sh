#!/bin/sh
hos-validate --pass --deep --on-error dead-letter=rejected.jsonl --stats events.jsonl 2>&1
echo "status: $?"
echo "--- rejected.jsonl:"
cat rejected.jsonl
rm -f rejected.jsonl

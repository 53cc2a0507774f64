# Convenience targets; each is one cargo command (see README.md).
.PHONY: all build test bench evaluate curve throughput multistream footage footage-video clippy fmt

all: build

build:
	cargo build --release

# The whole suite as CI runs it: fmt, clippy, tests (release), doc tests.
test:
	bash scripts/test.sh

# Criterion benches of the engine, a memcpy of the same frame beside each case.
bench:
	cargo bench --bench engine

# Quality of dynamic detection on ../shared/data/raw (the tables of EVALUATION.md).
evaluate:
	cargo run --release --example evaluate

# The sensitivity trade-off curve of EVALUATION.md.
curve:
	cargo run --release --example evaluate -- --curve

# Frames per second of defectfix against identity in the same pipeline.
throughput:
	cargo run --release --example throughput

# Eight live 1080p Bayer streams at 30 frames/s, each through its own defectfix, in one
# process: real time, CPU share, threads, memory per stream (identity run first).
multistream:
	cargo run --release --example multistream

clippy:
	cargo clippy --release --all-targets -- -D warnings

fmt:
	cargo fmt --all

# Real footage (Bayer): the per-frame protocol of EVALUATION.md (every natural frame,
# five camera paths, three gains, star fields; 60 frames each).
footage:
	cargo run --release -p defectfix-eval --example footage

# Real footage through the YUV/RGB path (issue 13): the generator's sequences through
# bayer2rgb ! videoconvert into five formats, then VP8 and VP9 (I420) and back; 320x240,
# 60 frames (the tables of EVALUATION.md, "Processed video on real footage").
footage-video:
	cargo run --release -p defectfix-eval --example footage_video -- --size 320x240 --quiet
	cargo run --release -p defectfix-eval --example footage_video -- --size 320x240 --quiet --formats I420 --codec vp8,vp9

package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;

import java.util.ArrayList;
import java.util.List;

/** Reads {@link ProgramText}'s format, line by line; an error names the line. */
final class ProgramTextReader {
    private final String[] lines;
    private int at;

    ProgramTextReader(String text) {
        this.lines = text.split("\n", -1);
    }

    Program program() {
        try {
            return parse();
        } catch (InvalidProgramException e) {
            throw e;
        } catch (RuntimeException e) {
            String line = at > 0 && at <= lines.length ? lines[at - 1].trim() : "";
            throw new InvalidProgramException("program text line " + at + ": " + e.getMessage() + " in '" + abbreviate(line) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    private Program parse() {
        Tokens header = next();
        if (!header.word().equals("spool-program")) {
            throw new IllegalArgumentException("not a Spool program (expected 'spool-program " + ProgramText.VERSION + "')");
        }
        int version = header.integer();
        if (version != ProgramText.VERSION) {
            throw new InvalidProgramException("program text version " + version + " is not supported; this build reads version " + ProgramText.VERSION);
        }
        List<Buffer> buffers = new ArrayList<>();
        List<Program.Feed> feeds = new ArrayList<>();
        Program.Layout layout = null;
        for (Tokens t = next(); !t.peek().equals("code"); t = next()) {
            switch (t.word()) {
                case "buffer" -> buffers.add(buffer(t, buffers.size()));
                case "feed" -> feeds.add(new Program.Feed(t.string(), t.integer(), DType.valueOf(t.word()), ProgramText.parseInts(t.word())));
                case "layout" -> {
                    long bytes = Long.parseLong(t.word());
                    layout = new Program.Layout(ProgramText.parseLongs(t.word()), bytes);
                }
                default -> throw new IllegalArgumentException("expected buffer, feed, layout or code");
            }
            t.end();
        }
        List<Instr> code = block();
        List<Program.Result> results = new ArrayList<>();
        while (at < lines.length && !lines[at].isBlank()) {
            Tokens t = next();
            t.expect("result");
            String name = t.string();
            DType dtype = DType.valueOf(t.word());
            results.add(new Program.Result(name, t.view(), dtype));
            t.end();
        }
        return new Program(buffers, code, feeds, results, layout);
    }

    private Buffer buffer(Tokens t, int expected) {
        int id = t.integer();
        if (id != expected) {
            throw new IllegalArgumentException("buffer " + id + " where buffer " + expected + " was expected");
        }
        DType dtype = DType.valueOf(t.word());
        int elements = t.integer();
        boolean feed = t.peek().equals("feed");
        if (feed) {
            t.word();
        }
        String name = t.string();
        Tensor constant = null;
        if (t.hasMore()) {
            t.expect("constant");
            constant = ProgramText.parseTensor(dtype, ProgramText.parseInts(t.word()), t.word());
        }
        return new Buffer(id, dtype, elements, name, constant, feed);
    }

    /** Instructions up to the matching {@code end}. */
    private List<Instr> block() {
        List<Instr> code = new ArrayList<>();
        for (Tokens t = next(); ; t = next()) {
            String op = t.word();
            if (op.equals("end")) {
                t.end();
                return code;
            }
            code.add(instr(op, t));
            t.end();
        }
    }

    private Instr instr(String op, Tokens t) {
        return switch (op) {
            case "loop" -> {
                int level = t.integer();
                int length = t.integer();
                boolean reverse = t.bool();
                String label = t.string();
                t.end();
                yield new Instr.Loop(level, length, reverse, block(), label);
            }
            case "gemm" -> new Instr.Gemm(DType.valueOf(t.word()), t.view(), t.view(), t.view(), t.bool(), t.bool(), t.integer(), t.integer(), t.integer(),
                    t.number(), t.integer(), t.integer(), t.integer(), t.integer());
            case "kernel" -> {
                int[] shape = ProgramText.parseInts(t.word());
                t.expect("in");
                List<View> in = t.views();
                t.expect("out");
                List<View> out = t.views();
                t.expect("expr");
                yield new Instr.Kernel(KernelExpression.parse(t.rest()), in, out, shape);
            }
            case "reduce" -> {
                var fn = ProgramText.reduceFn(t.word());
                int[] axes = ProgramText.parseInts(t.word());
                yield new Instr.Reduce(fn, t.view(), t.view(), axes);
            }
            case "softmax" -> new Instr.Softmax(t.view(), t.view(), t.integer(), t.bool());
            case "cross_entropy" -> new Instr.CrossEntropy(t.view(), t.view(), t.view());
            case "cross_entropy_grad" -> new Instr.CrossEntropyGrad(t.view(), t.view(), t.view(), t.view(), optional(t));
            case "linear_xent_grad" -> new Instr.LinearCrossEntropyGrad(t.view(), t.view(), optional(t), t.view(), t.view(), optional(t), optional(t),
                    optional(t), optional(t));
            case "gather" -> new Instr.Gather(t.view(), t.view(), t.view());
            case "scatter_add" -> new Instr.ScatterAdd(t.view(), t.view(), t.view());
            case "one_hot" -> new Instr.OneHot(t.view(), t.view());
            case "fill" -> new Instr.Fill(t.view(), t.number());
            case "iota" -> new Instr.Iota(t.view(), t.integer());
            case "copy" -> new Instr.Copy(t.view(), t.view());
            case "mask_step" -> {
                int level = t.integer();
                View active = t.view();
                boolean lengths = t.bool();
                t.expect("next");
                List<View> next = t.views();
                t.expect("slots");
                List<View> slots = t.views();
                t.expect("outputs");
                yield new Instr.MaskStep(level, active, lengths, next, slots, t.views());
            }
            case "check_lengths" -> new Instr.CheckLengths(t.view(), t.integer(), t.string());
            case "reference_matmul" -> {
                boolean ta = t.bool();
                boolean tb = t.bool();
                List<TensorType> types = ProgramText.words(t.word().replace("],", "] ")).stream().map(ProgramText::parseType).toList();
                TensorType out = ProgramText.parseType(t.word());
                t.expect("in");
                List<View> in = t.views();
                t.expect("out");
                yield new Instr.Fallback(ProgramText.fallbackNode(ta, tb, types, out), in, t.views());
            }
            default -> throw new IllegalArgumentException("unknown instruction '" + op + "'");
        };
    }

    /** A view or {@code -} (none). */
    private static View optional(Tokens t) {
        return t.peek().equals("-") ? t.none() : t.view();
    }

    private Tokens next() {
        if (at >= lines.length) {
            throw new IllegalArgumentException("the text ends early");
        }
        return new Tokens(lines[at++].trim());
    }

    /** The words of one line, a quoted string being one word. */
    private static final class Tokens {
        private final String line;
        private int pos;

        Tokens(String line) {
            this.line = line;
        }

        boolean hasMore() {
            skip();
            return pos < line.length();
        }

        String peek() {
            int save = pos;
            String w = hasMore() ? word() : "";
            pos = save;
            return w;
        }

        String word() {
            if (!hasMore()) {
                throw new IllegalArgumentException("the line ends early");
            }
            int start = pos;
            while (pos < line.length() && line.charAt(pos) != ' ') {
                pos++;
            }
            return line.substring(start, pos);
        }

        void expect(String w) {
            String got = word();
            if (!got.equals(w)) {
                throw new IllegalArgumentException("expected '" + w + "', got '" + got + "'");
            }
        }

        int integer() {
            return Integer.parseInt(word());
        }

        double number() {
            return Double.parseDouble(word());
        }

        boolean bool() {
            String w = word();
            if (!w.equals("true") && !w.equals("false")) {
                throw new IllegalArgumentException("expected true or false, got '" + w + "'");
            }
            return w.equals("true");
        }

        View view() {
            return ProgramText.parseView(word());
        }

        View none() {
            expect("-");
            return null;
        }

        List<View> views() {
            int n = integer();
            List<View> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(view());
            }
            return out;
        }

        String string() {
            skip();
            if (pos >= line.length() || line.charAt(pos) != '"') {
                throw new IllegalArgumentException("expected a quoted string");
            }
            StringBuilder sb = new StringBuilder();
            for (pos++; pos < line.length(); pos++) {
                char c = line.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c == '\\' && pos + 1 < line.length()) {
                    char e = line.charAt(++pos);
                    sb.append(e == 'n' ? '\n' : e);
                } else {
                    sb.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated string");
        }

        String rest() {
            skip();
            String r = line.substring(pos);
            pos = line.length();
            return r;
        }

        void end() {
            if (hasMore()) {
                throw new IllegalArgumentException("unexpected '" + word() + "' at the end of the line");
            }
        }

        private void skip() {
            while (pos < line.length() && line.charAt(pos) == ' ') {
                pos++;
            }
        }
    }
}

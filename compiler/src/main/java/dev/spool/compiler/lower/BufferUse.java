package dev.spool.compiler.lower;

import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.List;

/**
 * How often each buffer of a program is read and written (counting instructions, at any loop
 * depth), and which buffers hold results: what the Program passes check before they move a write.
 */
record BufferUse(int[] reads, int[] writes, boolean[] result) {

    static BufferUse of(Program p) {
        int n = p.buffers().size();
        BufferUse u = new BufferUse(new int[n], new int[n], new boolean[n]);
        u.count(p.code());
        for (Program.Result r : p.results()) {
            u.result[r.view().buffer()] = true;
        }
        return u;
    }

    private void count(List<Instr> code) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l) {
                count(l.body());
            }
            for (View v : ins.reads()) {
                reads[v.buffer()]++;
            }
            for (View v : ins.writes()) {
                writes[v.buffer()]++;
            }
        }
    }

    /** Whether any of these instructions (loop bodies included) reads buffer b. */
    static boolean reads(List<Instr> code, int b) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l ? reads(l.body(), b) : ins.reads().stream().anyMatch(v -> v.buffer() == b)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any of these instructions (loop bodies included) writes buffer b. */
    static boolean writes(List<Instr> code, int b) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l ? writes(l.body(), b) : ins.writes().stream().anyMatch(v -> v.buffer() == b)) {
                return true;
            }
        }
        return false;
    }

    /** Whether v covers its whole buffer, row-major from element 0, in every loop step. */
    static boolean whole(Program p, View v) {
        return v.offset() == 0 && v.isContiguous() && !v.isLoopVariant() && v.size() == p.buffer(v.buffer()).elements();
    }
}

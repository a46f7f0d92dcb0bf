package dev.spool.nn.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Token ↔ index, as d2l's {@code Vocab}: the sorted set of tokens plus {@code <unk>}. For the Time
 * Machine characters: {@code ' '}, {@code <unk>}, a … z.
 *
 * <pre>{@code Vocab v = Vocab.of(List.of("b", "a")); v.index("a") == 1  // ["<unk>", "a", "b"]}</pre>
 */
public final class Vocab {
    /** The token of every unknown input, part of every vocabulary. */
    public static final String UNK = "<unk>";
    private final List<String> tokens;
    private final Map<String, Integer> index = new HashMap<>();

    /** A vocabulary with exactly these tokens in this order (e.g. read back from a saved model): {@code new Vocab(List.of("<unk>", "a"))}. */
    public Vocab(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        for (int i = 0; i < this.tokens.size(); i++) {
            index.put(this.tokens.get(i), i);
        }
        if (!index.containsKey(UNK)) {
            throw new IllegalArgumentException("a vocabulary needs the token " + UNK);
        }
    }

    /** The sorted set of {@code tokens} plus {@code <unk>}: {@code Vocab.of(List.of("b", "a"))} is [&lt;unk&gt;, a, b]. */
    public static Vocab of(List<String> tokens) {
        TreeSet<String> set = new TreeSet<>(tokens);
        set.add(UNK);
        return new Vocab(new ArrayList<>(set));
    }

    /** Number of tokens, {@code <unk>} included (28 for the Time Machine): {@code vocab.size()}. */
    public int size() {
        return tokens.size();
    }

    /** The index of a token; unknown tokens map to {@code <unk>}: {@code vocab.index("a")}. */
    public int index(String token) {
        return index.getOrDefault(token, index.get(UNK));
    }

    /** The token with index {@code i}: {@code token(0)} is {@code " "} for the Time Machine. */
    public String token(int i) {
        return tokens.get(i);
    }

    /**
     * Character ids of text after the Time Machine preprocessing (non-letter runs → one space, lower case),
     * so {@code encode("It has!")} is the ids of {@code "it has "}.
     */
    public int[] encode(String text) {
        String clean = TimeMachine.preprocess(text);
        int[] ids = new int[clean.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index(String.valueOf(clean.charAt(i)));
        }
        return ids;
    }

    /** The tokens of {@code ids} concatenated: {@code decode(encode("it has")) == "it has"}. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(tokens.get(id));
        }
        return sb.toString();
    }
}

package dev.spool.examples.spark;

import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.Locale;

/**
 * The character vocabulary of d2l's Time Machine language model, which {@code spool train} learns:
 * text lower-cased with every run of non-letters made one space, then {@code ' '} → 0,
 * {@code <unk>} → 1, {@code a}…{@code z} → 2…27. Here rather than from Spool's {@code nn} module,
 * which executors do not need.
 */
final class CharacterTokens {
    static final int VOCAB = 28;

    private CharacterTokens() {
    }

    /** The token ids of {@code text}: {@code encode("It has!")} is the ids of {@code "it has "}. */
    static int[] encode(String text) {
        String clean = text.replaceAll("[^A-Za-z]+", " ").toLowerCase(Locale.ROOT);
        int[] ids = new int[clean.length()];
        for (int i = 0; i < ids.length; i++) {
            char c = clean.charAt(i);
            ids[i] = c == ' ' ? 0 : c - 'a' + 2;
        }
        return ids;
    }

    /** {@link #encode} as a Spark function from a string column to {@code array<int>} (null stays null). */
    static UserDefinedFunction udf() {
        UDF1<String, int[]> encode = text -> text == null ? null : encode(text);
        return functions.udf(encode, DataTypes.createArrayType(DataTypes.IntegerType, false));
    }
}

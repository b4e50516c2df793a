// Decides Java's Pattern.matches for the pairs of a file, for
// TestPatternsAgreeWithJava: each line is a base64 pattern, a tab and a
// base64 UTF-8 value; each answer line is 1 (matches) or 0.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

public class JavaMatches {
    public static void main(String[] args) throws Exception {
        Map<String, Pattern> compiled = new HashMap<>();
        StringBuilder out = new StringBuilder();
        Base64.Decoder d = Base64.getDecoder();
        for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.US_ASCII)) {
            String[] f = line.split("\t", -1);
            String p = new String(d.decode(f[0]), StandardCharsets.UTF_8);
            String v = new String(d.decode(f[1]), StandardCharsets.UTF_8);
            Pattern c = compiled.computeIfAbsent(p, Pattern::compile);
            out.append(c.matcher(v).matches() ? '1' : '0').append('\n');
        }
        System.out.print(out);
    }
}

package io.omniservice.media.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MediaDetectorTest {
    private static final String WORD_MAIN =
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
    private static final String SHEET_MAIN =
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";

    private final MediaDetector detector = new MediaDetector();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @ValueSource(strings = {"png", "jpeg", "gif"})
    void detectsImagesWrittenByImageIo(String format) throws IOException {
        Path file = image(format, "picture." + format);

        assertThat(detector.detect(file)).isEqualTo("image/" + format);
    }

    /** Real files made with ffmpeg from lavfi sources (the AMR by hand: this ffmpeg has no AMR encoder). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "detect-red.webp, image/webp",
        "detect-clip.mp4, video/mp4",
        "detect-clip.3gp, video/3gpp",
        "detect-tone.mp3, audio/mpeg",
        "detect-tone.ogg, audio/ogg",
        "detect-tone.amr, audio/amr"
    })
    void detectsTheCommittedSamples(String sample, String expected) throws IOException {
        assertThat(detector.detect(sample(sample))).isEqualTo(expected);
    }

    @Test
    void detectsAPdf() throws IOException {
        Path file = Files.writeString(dir.resolve("letter"), minimalPdf(), StandardCharsets.ISO_8859_1);

        assertThat(detector.detect(file)).isEqualTo(MediaTypes.PDF);
    }

    @Test
    void detectsDocxAndXlsxFromTheirMainPart() throws IOException {
        Path docx = ooxml("a", "word/document.xml", WORD_MAIN, true);
        Path xlsx = ooxml("b", "xl/workbook.xml", SHEET_MAIN, true);

        assertThat(detector.detect(docx)).isEqualTo(MediaTypes.DOCX);
        assertThat(detector.detect(xlsx)).isEqualTo(MediaTypes.XLSX);
    }

    @Test
    void detectsDocxWhoseContentTypesPartIsNotFirst() throws IOException {
        // Tika's magic only sees "[Content_Types].xml" as the first entry; otherwise it says application/zip.
        Path docx = ooxml("late", "word/document.xml", WORD_MAIN, false);

        assertThat(detector.detect(docx)).isEqualTo(MediaTypes.DOCX);
    }

    @Test
    void namesOtherOfficePackagesWithoutAcceptingThem() throws IOException {
        Path pptx = ooxml(
                "deck",
                "ppt/presentation.xml",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                true);
        Path docm =
                ooxml("macros", "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml", true);

        assertThat(detector.detect(pptx)).isEqualTo(MediaTypes.PPTX);
        assertThat(detector.detect(docm)).isEqualTo("application/vnd.ms-word.document.macroenabled.12");
    }

    @Test
    void aPlainZipStaysAZip() throws IOException {
        Path zip = dir.resolve("archive.docx");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            entry(out, "readme.txt", "not an office file");
        }

        assertThat(detector.detect(zip)).isEqualTo("application/zip");
    }

    @Test
    void detectsXlsWrittenByPoi() throws IOException {
        Path xls = dir.resolve("sheet");
        try (HSSFWorkbook workbook = new HSSFWorkbook();
                OutputStream out = Files.newOutputStream(xls)) {
            workbook.createSheet("Orders").createRow(0).createCell(0).setCellValue("SKU-1");
            workbook.write(out);
        }

        assertThat(detector.detect(xls)).isEqualTo(MediaTypes.XLS);
    }

    @Test
    void detectsDocFromItsWordDocumentStream() throws IOException {
        Path doc = ole2("letter", "WordDocument");

        assertThat(detector.detect(doc)).isEqualTo(MediaTypes.DOC);
    }

    @Test
    void anOle2FileOfAnotherKindStaysGeneric() throws IOException {
        Path other = ole2("other", "Contents");

        assertThat(detector.detect(other)).isEqualTo("application/x-tika-msoffice");
    }

    @Test
    void aQuickTimeMovieIsNotMp4() throws IOException {
        byte[] ftyp = {0, 0, 0, 20, 'f', 't', 'y', 'p', 'q', 't', ' ', ' ', 0, 0, 2, 0, 'q', 't', ' ', ' '};
        byte[] moov = {0, 0, 0, 8, 'm', 'o', 'o', 'v'};
        Path mov = dir.resolve("clip.mp4");
        Files.write(mov, concat(ftyp, moov));

        assertThat(detector.detect(mov)).isEqualTo(MediaTypes.QUICKTIME);
    }

    @Test
    void namesAreIgnored() throws IOException {
        Path png = image("png", "invoice.pdf");
        Path html = Files.writeString(
                dir.resolve("photo.jpg"),
                "<!DOCTYPE html><html><head><title>Win</title></head><body><script>x()</script></body></html>");

        assertThat(detector.detect(png)).isEqualTo(MediaTypes.PNG);
        assertThat(detector.detect(html)).isEqualTo("text/html");
    }

    @Test
    void randomBytesAreAnOctetStream() throws IOException {
        byte[] noise = new byte[8192];
        new Random(42).nextBytes(noise);
        Path file = Files.write(dir.resolve("upload.png"), noise);

        assertThat(detector.detect(file)).isEqualTo(MediaTypes.OCTET_STREAM);
    }

    @Test
    void corruptContainersAreNotRefinedIntoAcceptedTypes() throws IOException {
        byte[] ole2Header = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1};
        byte[] noise = new byte[600];
        new Random(7).nextBytes(noise);
        Path brokenOle2 = Files.write(dir.resolve("broken.doc"), concat(ole2Header, noise));
        Path brokenZip = Files.write(dir.resolve("broken.docx"), concat("PK\u0003\u0004".getBytes(), noise));

        assertThat(detector.detect(brokenOle2)).isEqualTo("application/x-tika-msoffice");
        assertThat(detector.detect(brokenZip)).isEqualTo("application/zip");
        assertThat(MediaPolicy.kindOf(detector.detect(brokenOle2))).isEmpty();
    }

    @Test
    void givesTheSameAnswersFromManyThreads() throws Exception {
        List<Path> files = List.of(
                image("png", "a"),
                sample("detect-clip.mp4"),
                sample("detect-tone.ogg"),
                ooxml("c", "word/document.xml", WORD_MAIN, false),
                ole2("d", "WordDocument"));
        List<String> expected = new ArrayList<>();
        for (Path file : files) {
            expected.add(detector.detect(file));
        }
        List<Callable<List<String>>> jobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            jobs.add(() -> {
                List<String> seen = new ArrayList<>();
                for (Path file : files) {
                    seen.add(detector.detect(file));
                }
                return seen;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (Future<List<String>> result : pool.invokeAll(jobs)) {
                assertThat(result.get()).isEqualTo(expected);
            }
        }
        assertThat(expected)
                .containsExactly(MediaTypes.PNG, MediaTypes.MP4, MediaTypes.OGG_AUDIO, MediaTypes.DOCX, MediaTypes.DOC);
    }

    private Path image(String format, String name) throws IOException {
        BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        image.getGraphics().setColor(Color.ORANGE);
        image.getGraphics().fillRect(2, 2, 10, 10);
        Path file = dir.resolve(name);
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        return file;
    }

    private Path ooxml(String name, String mainPart, String mainType, boolean contentTypesFirst) throws IOException {
        Path file = dir.resolve(name);
        String contentTypes = """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
                  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
                  <Default Extension="xml" ContentType="application/xml"/>
                  <Override PartName="/%s" ContentType="%s"/>
                </Types>
                """.formatted(mainPart, mainType);
        String rels = """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                  <Relationship Id="rId1" Target="%s"
                    Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
                </Relationships>
                """.formatted(mainPart);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            if (contentTypesFirst) {
                entry(out, "[Content_Types].xml", contentTypes);
            }
            entry(out, "_rels/.rels", rels);
            entry(out, mainPart, "<?xml version=\"1.0\"?><root/>");
            if (!contentTypesFirst) {
                entry(out, "[Content_Types].xml", contentTypes);
            }
        }
        return file;
    }

    private Path ole2(String name, String streamName) throws IOException {
        Path file = dir.resolve(name);
        try (POIFSFileSystem fs = new POIFSFileSystem();
                OutputStream out = Files.newOutputStream(file)) {
            fs.createDocument(new ByteArrayInputStream(new byte[4096]), streamName);
            fs.writeFilesystem(out);
        }
        return file;
    }

    private static void entry(ZipOutputStream out, String name, String content) throws IOException {
        out.putNextEntry(new ZipEntry(name));
        out.write(content.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }

    private Path sample(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/samples/" + name)) {
            assertThat(in).as("test resource samples/" + name).isNotNull();
            Files.copy(in, file);
        }
        return file;
    }

    static String minimalPdf() {
        return """
                %PDF-1.4
                1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
                2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
                3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >> endobj
                4 0 obj << /Length 40 >> stream
                BT /F1 12 Tf 20 50 Td (Order 1042) Tj ET
                endstream endobj
                trailer << /Root 1 0 R >>
                %%EOF
                """;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package io.omniservice.media.check;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells Office files apart inside their containers, which Tika's magic alone cannot: the legacy formats
 * are all OLE2 ("application/x-tika-msoffice") and the Office Open XML ones are all zips
 * ("application/x-tika-ooxml"). tika-parser-zip-commons has no OOXML detector (that lives in Tika's
 * Microsoft module, with the whole of POI's OOXML), so the package's main part is read here.
 * Both read only a directory and, for zips, two small XML parts; a damaged container is left unrefined.
 */
final class OfficeContainers {
    private static final Logger log = LoggerFactory.getLogger(OfficeContainers.class);
    private static final int MAX_PART_BYTES = 1 << 20;

    /** Main-part content types of the OOXML formats (lower case), and the file types they make. */
    private static final Map<String, String> OOXML_MAIN_PARTS = Map.of(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", MediaTypes.DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
            "application/vnd.ms-word.document.macroenabled.main+xml",
                    "application/vnd.ms-word.document.macroenabled.12",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", MediaTypes.XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
            "application/vnd.ms-excel.sheet.macroenabled.main+xml", "application/vnd.ms-excel.sheet.macroenabled.12",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", MediaTypes.PPTX,
            "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
                    "application/vnd.ms-powerpoint.presentation.macroenabled.12");

    private OfficeContainers() {}

    /** The legacy Office format from the OLE2 root directory's streams; empty when it is none of them. */
    static Optional<String> ole2(Path file) {
        try (POIFSFileSystem fs = new POIFSFileSystem(file.toFile(), true)) {
            // OLE2 entry names compare case-insensitively.
            Set<String> names = fs.getRoot().getEntryNames().stream()
                    .map(name -> name.toLowerCase(Locale.ROOT))
                    .collect(Collectors.toSet());
            if (names.contains("worddocument")) {
                return Optional.of(MediaTypes.DOC);
            }
            if (names.contains("workbook") || names.contains("book")) {
                return Optional.of(MediaTypes.XLS);
            }
            if (names.contains("powerpoint document")) {
                return Optional.of(MediaTypes.PPT);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            log.debug("OLE2 directory unreadable, type left generic: {}", e.toString());
            return Optional.empty();
        }
    }

    /**
     * The OOXML format from the package's main part: the {@code officeDocument} relationship in
     * {@code _rels/.rels} names it, {@code [Content_Types].xml} gives its content type. Empty for a zip
     * that is not an OPC package; {@code application/x-tika-ooxml} for a package of another kind.
     */
    static Optional<String> ooxml(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry contentTypes = zip.getEntry("[Content_Types].xml");
            ZipEntry rels = zip.getEntry("_rels/.rels");
            if (contentTypes == null || rels == null) {
                return Optional.empty();
            }
            Optional<String> mainPart = mainPart(read(zip, rels));
            if (mainPart.isEmpty()) {
                return Optional.empty();
            }
            String type = partType(read(zip, contentTypes), mainPart.get());
            return Optional.of(OOXML_MAIN_PARTS.getOrDefault(type, "application/x-tika-ooxml"));
        } catch (IOException | XMLStreamException | RuntimeException e) {
            log.debug("zip package unreadable, type left generic: {}", e.toString());
            return Optional.empty();
        }
    }

    private static Optional<String> mainPart(byte[] relsXml) throws XMLStreamException {
        XMLStreamReader xml = reader(relsXml);
        try {
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT
                        && xml.getLocalName().equals("Relationship")) {
                    String type = xml.getAttributeValue(null, "Type");
                    String target = xml.getAttributeValue(null, "Target");
                    // Transitional and Strict OOXML name the relationship in different namespaces.
                    if (type != null && target != null && type.endsWith("/officeDocument")) {
                        return Optional.of(target.startsWith("/") ? target : "/" + target);
                    }
                }
            }
            return Optional.empty();
        } finally {
            xml.close();
        }
    }

    /** The content type of {@code partName}: its Override, else the Default for its extension (lower case). */
    private static String partType(byte[] contentTypesXml, String partName) throws XMLStreamException {
        Map<String, String> overrides = new HashMap<>();
        Map<String, String> defaults = new HashMap<>();
        XMLStreamReader xml = reader(contentTypesXml);
        try {
            while (xml.hasNext()) {
                if (xml.next() != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                String contentType = xml.getAttributeValue(null, "ContentType");
                if (contentType == null) {
                    continue;
                }
                switch (xml.getLocalName()) {
                    case "Override" -> put(overrides, xml.getAttributeValue(null, "PartName"), contentType);
                    case "Default" -> put(defaults, xml.getAttributeValue(null, "Extension"), contentType);
                    default -> {}
                }
            }
        } finally {
            xml.close();
        }
        String part = partName.toLowerCase(Locale.ROOT);
        String override = overrides.get(part);
        if (override != null) {
            return override;
        }
        int dot = part.lastIndexOf('.');
        return dot < 0 ? "" : defaults.getOrDefault(part.substring(dot + 1), "");
    }

    private static void put(Map<String, String> map, String key, String contentType) {
        if (key != null) {
            // Part names and extensions compare case-insensitively in OPC.
            map.put(key.toLowerCase(Locale.ROOT), contentType.strip().toLowerCase(Locale.ROOT));
        }
    }

    private static byte[] read(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(MAX_PART_BYTES + 1);
            if (bytes.length > MAX_PART_BYTES) {
                throw new IOException(entry.getName() + " is over " + MAX_PART_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static XMLStreamReader reader(byte[] xml) throws XMLStreamException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        return factory.createXMLStreamReader(new java.io.ByteArrayInputStream(xml));
    }
}
